import { graphql } from '../../gql';

export const ModelsPage_ = graphql(`
  query ModelsPage {
    models {
      name
      task
      status
      executionProvider
      source
      license
      description
      loadError
      preload
      inputModalities
      outputModalities
    }
  }
`);

export const LoadModel = graphql(`
  mutation LoadModelNow($name: String!) {
    loadModel(name: $name) {
      name
      status
      executionProvider
      loadError
    }
  }
`);

export const UnloadModel = graphql(`
  mutation UnloadModelNow($name: String!) {
    unloadModel(name: $name) {
      name
      status
      executionProvider
      loadError
    }
  }
`);
