/**
 * The one place where any error becomes what a client sees: our coded errors keep their
 * code and HTTP status, GraphQL's own errors keep theirs, anything else is logged with the
 * request id and masked as INTERNAL_SERVER_ERROR.
 */
import { GraphQLError } from 'graphql';
import { isTesseraError, relativeToRoot, TesseraError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * A coded error as clients see it; a `retryAfter` detail (seconds) also becomes the Retry-After
 * header. Messages that name files under `modelsDir` (absolute) name them relative to it.
 */
export function codedError(original: TesseraError, path?: readonly (string | number)[], modelsDir?: string): GraphQLError {
  const retryAfter = original.details?.retryAfter;
  const headers = typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : undefined;
  return new GraphQLError(modelsDir ? relativeToRoot(original.message, modelsDir) : original.message, {
    path,
    extensions: { code: original.code, http: { status: original.httpStatus, ...(headers ? { headers } : {}) }, ...(original.details ?? {}) },
  });
}

/**
 * `modelsDir` is absolute; messages that name files under it name them relative to it.
 * `onCode` hears the code of every error a client is sent (for the metrics).
 */
export function createMaskError(logger: Logger, modelsDir: string, onCode: (code: string) => void = () => undefined) {
  return (error: unknown, message: string): Error => {
    const masked = maskOne(logger, modelsDir, error, message);
    onCode(String((masked as GraphQLError).extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    return masked;
  };
}

function maskOne(logger: Logger, modelsDir: string, error: unknown, message: string): Error {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const original = graphqlError?.originalError ?? error;
  if (isTesseraError(original)) return codedError(original, graphqlError?.path, modelsDir);
  // yoga's streaming body limit: the same refusal as ours from Content-Length, under our code.
  if (graphqlError?.extensions?.code === 'REQUEST_ENTITY_TOO_LARGE') {
    return new GraphQLError('The request body is larger than the limit (MAX_BODY_BYTES).', {
      extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } },
    });
  }
  if (original instanceof GraphQLError && original.extensions?.code) return original;
  if (graphqlError && (!graphqlError.originalError || graphqlError.originalError instanceof GraphQLError)) {
    // Parse, validation and variable-coercion errors come from the client's document.
    if (graphqlError.extensions?.code) return graphqlError;
    // yoga's CSRF refusal carries a 403 and no code: it keeps its status.
    const forbidden = (graphqlError.extensions?.http as { status?: number } | undefined)?.status === 403;
    return new GraphQLError(graphqlError.message, {
      nodes: graphqlError.nodes,
      source: graphqlError.source,
      positions: graphqlError.positions,
      path: graphqlError.path,
      extensions: { ...graphqlError.extensions, code: forbidden ? 'FORBIDDEN' : 'BAD_USER_INPUT', http: { status: forbidden ? 403 : 400 } },
    });
  }
  const requestId = (graphqlError?.extensions as { requestId?: string } | undefined)?.requestId;
  logger.error({ err: original, path: graphqlError?.path, requestId }, 'unexpected error');
  return new GraphQLError(message, {
    path: graphqlError?.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } },
  });
}

/**
 * Marks a syntax error the way yoga marks it for HTTP requests. In place, because yoga's
 * parser cache keeps this very instance and throws it again for the same text on any
 * transport, before yoga's own marking could run.
 */
export function markParseFailed(error: GraphQLError): GraphQLError {
  const extensions = error.extensions as Record<string, unknown>;
  extensions.code ??= 'GRAPHQL_PARSE_FAILED';
  const http = (extensions.http ??= {}) as Record<string, unknown>;
  http.status ??= 400;
  return error;
}
