/**
 * The one place where any error becomes what a client sees: our coded errors keep their
 * code and HTTP status, GraphQL's own errors keep theirs, anything else is logged with the
 * request id and masked as INTERNAL_SERVER_ERROR.
 */
import { GraphQLError } from 'graphql';
import { isTesseraError, TesseraError } from '../errors.js';
import type { Logger } from '../logger.js';

/** A coded error as clients see it; a `retryAfter` detail (seconds) also becomes the Retry-After header. */
export function codedError(original: TesseraError, path?: readonly (string | number)[]): GraphQLError {
  const retryAfter = original.details?.retryAfter;
  const headers = typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : undefined;
  return new GraphQLError(original.message, {
    path,
    extensions: { code: original.code, http: { status: original.httpStatus, ...(headers ? { headers } : {}) }, ...(original.details ?? {}) },
  });
}

/** `onCode` hears the code of every error a client is sent (for the metrics). */
export function createMaskError(logger: Logger, onCode: (code: string) => void = () => undefined) {
  return (error: unknown, message: string): Error => {
    const masked = maskOne(logger, error, message);
    onCode(String((masked as GraphQLError).extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    return masked;
  };
}

function maskOne(logger: Logger, error: unknown, message: string): Error {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const original = graphqlError?.originalError ?? error;
  if (isTesseraError(original)) return codedError(original, graphqlError?.path);
  if (original instanceof GraphQLError && original.extensions?.code) return original;
  if (graphqlError && (!graphqlError.originalError || graphqlError.originalError instanceof GraphQLError)) {
    // Parse, validation and variable-coercion errors come from the client's document.
    if (graphqlError.extensions?.code) return graphqlError;
    return new GraphQLError(graphqlError.message, {
      nodes: graphqlError.nodes,
      source: graphqlError.source,
      positions: graphqlError.positions,
      path: graphqlError.path,
      extensions: { ...graphqlError.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
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
