import { graphql } from '../../gql';

export const RunPipeline = graphql(`
  subscription RunPipelineStream($input: RunPipelineInput!) {
    runPipeline(input: $input) {
      __typename
      ... on PipelineStarted {
        requestId
        steps {
          index
          task
          model
          input
          output
        }
      }
      ... on PipelineStepStarted {
        step
        requestId
        model
      }
      ... on PipelineToken {
        step
        text
      }
      ... on PipelineStepSegment {
        step
        start
        end
        text
      }
      ... on PipelineStepCompleted {
        step
        output {
          kind
          text
          segments {
            start
            end
            text
          }
        }
      }
      ... on PipelineCompleted {
        requestId
        output {
          kind
          text
          audio {
            url
          }
        }
      }
      ... on PipelineFailed {
        requestId
        status
        failedStep: step
        error {
          code
          message
        }
      }
    }
  }
`);
