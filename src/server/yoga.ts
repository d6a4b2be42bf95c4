import { createYoga, useExecutionCancellation, type YogaServerInstance } from 'graphql-yoga';
import { buildSchema } from '../schema/index.js';
import type { Context, Services } from '../schema/context.js';
import { createMaskError } from './errors.js';
import { requestIdOf, useRequestId } from './plugins/use-request-id.js';
import { useAuth, type WebSocketAuthorization } from './plugins/use-auth.js';

export interface ServerContext extends WebSocketAuthorization {
  /** Set for operations that arrive over graphql-ws, where no HTTP request carries a signal. */
  socketSignal?: AbortSignal;
  socketRequestId?: string;
}

/** The context before useAuth adds the principal and binds the stores to its tenant. */
type UnauthenticatedContext = Omit<Context, 'principal'>;

export type TesseraYoga = YogaServerInstance<ServerContext, UnauthenticatedContext>;

export function createTesseraYoga(services: Services): TesseraYoga {
  return createYoga<ServerContext, UnauthenticatedContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: services.config.GRAPHIQL
      ? { title: 'Tessera', subscriptionsProtocol: 'WS', defaultQuery: DEFAULT_QUERY }
      : false,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(services.logger) },
    plugins: [useRequestId(), useExecutionCancellation(), useAuth()],
    context: ({ request, socketSignal, socketRequestId }): UnauthenticatedContext => {
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
