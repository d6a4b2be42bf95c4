import { graphql } from '../../gql';

export const RecognitionModels = graphql(`
  query RecognitionModels {
    models(task: SPEECH_RECOGNITION) {
      name
      status
    }
  }
`);

export const TranscribeStream = graphql(`
  subscription TranscribeStream($input: TranscribeInput!) {
    transcribe(input: $input) {
      __typename
      ... on TranscriptionStarted {
        requestId
        model
      }
      ... on TranscriptionSegment {
        start
        end
        text
      }
      ... on TranscriptionToken {
        text
      }
      ... on TranscriptionCompleted {
        requestId
        text
        durationSeconds
        segments {
          start
          end
          text
        }
        timings {
          computeMs
          realTimeFactor
          timeToFirstSegmentMs
        }
      }
    }
  }
`);
