/**
 * GraphiQL served from the installed @graphql-yoga/render-graphiql, which inlines its scripts,
 * styles and editor workers, so `/graphql` works in a browser with no network (yoga's own page
 * loads them from a CDN). Subscriptions go over graphql-ws on the same origin.
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

const DEFAULT_QUERY = `# Tessera: multimodal inference over GraphQL.
# Try the models, then stream a generation (subscriptions run over WebSocket here).

query Models {
  models { name task status executionProvider source license }
}

subscription Generate {
  generate(input: { prompt: "Once upon a time", maxTokens: 40 }) {
    __typename
    ... on GenerationToken { text index }
    ... on GenerationCompleted { finishReason text timings { timeToFirstTokenMs tokensPerSecond } }
  }
}
`;

export const graphiqlOptions: GraphiQLOptions = { title: 'Tessera', subscriptionsProtocol: 'WS', defaultQuery: DEFAULT_QUERY };

// The page is ~9 MB and the same for every visit with the same options: render it once.
const pages = new Map<string, string>();

export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (page === undefined) {
    page = renderGraphiQL(options);
    pages.set(key, page);
  }
  return page;
}
