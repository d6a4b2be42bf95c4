import { graphql } from '../../gql';

export const SearchPage_ = graphql(`
  query SearchPage {
    collections {
      name
      model
      dimension
      itemCount
    }
    dualEncoders: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {
      name
    }
    textEncoders: models(task: TEXT_EMBEDDING) {
      name
    }
  }
`);

export const CreateCollection = graphql(`
  mutation CreateCollection($input: CreateCollectionInput!) {
    createCollection(input: $input) {
      name
      model
      dimension
      itemCount
    }
  }
`);

export const AddToCollection = graphql(`
  mutation AddToCollection($input: AddToCollectionInput!) {
    addToCollection(input: $input) {
      collection {
        name
        itemCount
      }
      items {
        id
      }
      request {
        id
      }
    }
  }
`);

export const SearchCollection = graphql(`
  query SearchCollection($input: SearchInput!) {
    search(input: $input) {
      items {
        id
        score
        modality
        text
        metadata
        image {
          url
        }
      }
      request {
        id
        computeMs
      }
    }
  }
`);
