import { graphql } from '../../gql';

export const VisionModels = graphql(`
  query VisionModels {
    zeroShot: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {
      name
      status
    }
    classifiers: models(task: IMAGE_CLASSIFICATION) {
      name
      status
    }
    captioners: models(task: IMAGE_CAPTIONING) {
      name
      status
    }
  }
`);

export const ClassifyZeroShot = graphql(`
  mutation ClassifyZeroShot($input: ClassifyImageZeroShotInput!) {
    classifyImageZeroShot(input: $input) {
      model
      labels {
        label
        score
      }
      request {
        id
        computeMs
      }
    }
  }
`);

export const Classify = graphql(`
  mutation ClassifyImage($input: ClassifyImageInput!) {
    classifyImage(input: $input) {
      model
      labels {
        label
        score
      }
      request {
        id
        computeMs
      }
    }
  }
`);

export const CaptionStream = graphql(`
  subscription CaptionStream($input: CaptionImageInput!) {
    captionImage(input: $input) {
      __typename
      ... on GenerationStarted {
        requestId
        model
      }
      ... on GenerationToken {
        text
      }
      ... on GenerationCompleted {
        requestId
        finishReason
        usage {
          completionTokens
        }
        timings {
          timeToFirstTokenMs
          tokensPerSecond
        }
        error {
          code
          message
        }
      }
    }
  }
`);
