import path from 'node:path';
import { createYoga, useExecutionCancellation, type YogaServerInstance } from 'graphql-yoga';
import { buildSchema } from '../schema/index.js';
import type { Context, Services } from '../schema/context.js';
import { createMaskError } from './errors.js';
import { requestIdOf, useRequestId } from './plugins/use-request-id.js';
import { useQueryLimits } from './plugins/use-query-limits.js';
import { corsFor, useBrowserSafety } from './plugins/use-browser-safety.js';

export interface ServerContext {
  /** Set for operations that arrive over graphql-ws, where no HTTP request carries a signal. */
  socketSignal?: AbortSignal;
  socketRequestId?: string;
}

export type TesseraYoga = YogaServerInstance<ServerContext, Context>;

export function createTesseraYoga(services: Services): TesseraYoga {
  return createYoga<ServerContext, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: services.config.GRAPHIQL
      ? { title: 'Tessera', subscriptionsProtocol: 'WS', defaultQuery: DEFAULT_QUERY }
      : false,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(services.logger, path.resolve(services.config.MODELS_DIR)) },
    // One body limit for the whole server: yoga's own (25,000,000 bytes) would otherwise cut in first.
    maxRequestBodySize: services.config.MAX_BODY_BYTES,
    cors: corsFor(services.config.CORS_ORIGINS),
    plugins: [
      useRequestId(),
      useExecutionCancellation(),
      useBrowserSafety({ allowedOrigins: services.config.CORS_ORIGINS }),
      useQueryLimits({
        maxDepth: services.config.MAX_QUERY_DEPTH,
        maxAliases: services.config.MAX_QUERY_ALIASES,
        maxTokens: services.config.MAX_QUERY_TOKENS,
        maxDirectives: services.config.MAX_QUERY_DIRECTIVES,
        maxCost: services.config.MAX_QUERY_COST,
        inferenceFieldCost: services.config.INFERENCE_FIELD_COST,
      }),
    ],
    context: ({ request, socketSignal, socketRequestId }): Context => {
      const requestId = socketRequestId ?? requestIdOf(request);
      return {
        ...services,
        requestId,
        logger: services.logger.child({ requestId }),
        signal: socketSignal ?? request.signal,
      };
    },
  });
}

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
