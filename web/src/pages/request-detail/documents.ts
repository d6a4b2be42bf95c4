import { graphql } from '../../gql';

export const RequestDetail = graphql(`
  query RequestDetail($id: ID!) {
    request(id: $id) {
      id
      task
      model
      status
      createdAt
      startedAt
      firstOutputAt
      finishedAt
      queueMs
      computeMs
      batchSize
      promptTokens
      completionTokens
      inputModalities
      inputText
      outputText
      parameters
      error {
        code
        message
      }
      parent {
        id
      }
      steps {
        id
        task
        model
        status
        outputText
      }
      artifacts {
        role
        artifact {
          id
          url
          contentType
          byteSize
        }
      }
      result {
        __typename
        ... on GenerationResult {
          finishReason
          timings {
            queueMs
            timeToFirstTokenMs
            tokensPerSecond
          }
        }
        ... on OcrResult {
          width
          height
          lines {
            text
            confidence
            box {
              x
              y
            }
          }
        }
        ... on SpeechDetectionResult {
          durationSeconds
          sampleRate
          segments {
            start
            end
          }
        }
        ... on CaptionResult {
          captionFinish: finishReason
          captionTimings: timings {
            queueMs
            timeToFirstTokenMs
            tokensPerSecond
          }
        }
        ... on ClassificationResult {
          labels {
            label
            score
          }
        }
        ... on EmbeddingResult {
          dimension
          modality
          vector
        }
        ... on CollectionResult {
          operation
          collection
          itemIds
          scores
        }
        ... on TranscriptionResult {
          transcript: text
          durationSeconds
          segments {
            start
            end
            text
          }
          transcriptionTimings: timings {
            realTimeFactor
            timeToFirstSegmentMs
          }
        }
        ... on PipelineResult {
          steps {
            index
            task
            model
            requestId
            status
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
        }
      }
    }
  }
`);

export const FollowRequest = graphql(`
  subscription FollowRequest($id: ID!) {
    requestEvents(id: $id) {
      __typename
      ... on GenerationToken {
        text
      }
      ... on GenerationCompleted {
        finishReason
      }
    }
  }
`);

export const FollowPipeline = graphql(`
  subscription FollowPipeline($id: ID!) {
    pipelineEvents(id: $id) {
      __typename
    }
  }
`);

export const CancelRequest = graphql(`
  mutation CancelRequest($id: ID!) {
    cancelRequest(id: $id) {
      id
      status
    }
  }
`);
