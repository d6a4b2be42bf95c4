import { graphql } from '../../gql';

export const GenerationModels = graphql(`
  query GenerationModels {
    models(task: TEXT_GENERATION) {
      name
      status
    }
  }
`);

export const GenerateStream = graphql(`
  subscription GenerateStream($input: GenerateInput!) {
    generate(input: $input) {
      __typename
      ... on GenerationStarted {
        requestId
        model
        promptTokens
      }
      ... on GenerationToken {
        text
      }
      ... on GenerationCompleted {
        requestId
        finishReason
        text
        usage {
          promptTokens
          completionTokens
        }
        timings {
          queueMs
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
