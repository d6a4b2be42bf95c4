import { graphql } from '../../gql';

export const HistoryPage_ = graphql(`
  query HistoryPage($first: Int, $after: String, $last: Int, $before: String, $filter: RequestFilter) {
    requests(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      totalCountIsEstimate
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        node {
          id
          task
          model
          status
          createdAt
          inputText
          outputText
          inputModalities
          queueMs
          computeMs
          error {
            code
          }
        }
      }
    }
    models {
      name
    }
  }
`);
