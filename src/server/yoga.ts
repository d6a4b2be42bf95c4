import path from 'node:path';
import { createYoga, useExecutionCancellation, type YogaServerInstance } from 'graphql-yoga';
import { buildSchema } from '../schema/index.js';
import type { Context, Services } from '../contracts/context.js';
import { createMaskError } from './errors.js';
import { graphiqlOptions, renderOfflineGraphiQL } from './graphiql.js';
import { useGraphQLSSEStream } from './plugins/use-graphql-sse.js';
import { requestIdOf, useRequestId } from './plugins/use-request-id.js';
import { useAuth, type WebSocketAuthorization } from './plugins/use-auth.js';
import { useQueryLimits } from './plugins/use-query-limits.js';
import { corsFor, useBrowserSafety } from './plugins/use-browser-safety.js';
import { useOperationMetrics } from './plugins/use-operation-metrics.js';
import type { TesseraMetrics } from '../metrics/tessera-metrics.js';

export interface ServerContext extends WebSocketAuthorization {
  /** Set for operations that arrive over graphql-ws, where no HTTP request carries a signal. */
  socketSignal?: AbortSignal;
  socketRequestId?: string;
}

/**
 * graphql-sse's single-connection mode (one event stream, operations sent beside it) lives here;
 * `/graphql` itself answers SSE in the distinct-connections mode.
 */
export const SSE_ENDPOINT = '/graphql/stream';

/** The context before useAuth adds the principal and binds the stores to its tenant. */
type UnauthenticatedContext = Omit<Context, 'principal'>;
export type TesseraYoga = YogaServerInstance<ServerContext, UnauthenticatedContext>;

/** `metrics`: where operation metrics and error codes are counted; none are kept without it. */
export function createTesseraYoga(services: Services, metrics?: TesseraMetrics): TesseraYoga {
  return createYoga<ServerContext, UnauthenticatedContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: services.config.GRAPHIQL ? graphiqlOptions : false,
    renderGraphiQL: renderOfflineGraphiQL,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(services.logger, path.resolve(services.config.MODELS_DIR), metrics && ((code) => metrics.errors.inc({ code }))) },
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
      useAuth(),
      useGraphQLSSEStream({ endpoint: SSE_ENDPOINT }),
      ...(metrics ? [useOperationMetrics(metrics.registry)] : []),
    ],
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
