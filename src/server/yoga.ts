import { createYoga, useExecutionCancellation, type YogaServerInstance } from 'graphql-yoga';
import { buildSchema } from '../schema/index.js';
import type { Context, Services } from '../contracts/context.js';
import { createMaskError } from './errors.js';
import { requestIdOf, useRequestId } from './plugins/use-request-id.js';

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
    maskedErrors: { maskError: createMaskError(services.logger) },
    plugins: [useRequestId(), useExecutionCancellation()],
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
