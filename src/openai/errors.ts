/**
 * Errors in OpenAI's shape, `{ error: { message, type, param, code } }`, with the HTTP status
 * GraphQL answers for the same failure: our closed set of codes decides both, so a client of
 * either API reads one table. `code` is our code in lower case; `type` is OpenAI's family.
 */
import type { ServerResponse } from 'node:http';
import { isTesseraError, TesseraError } from '../errors.js';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

function typeOf(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** A refusal of one field of the body: BAD_USER_INPUT naming the parameter. */
export const badParam = (param: string, message: string) => new TesseraError('BAD_USER_INPUT', message, { param });

export function errorBody(error: TesseraError): OpenAiErrorBody {
  // The engine names its parameters in camelCase (`maxTokens`); this API's bodies use snake_case.
  const param = error.details?.param ?? error.details?.argument ?? error.details?.parameter;
  const named = typeof param === 'string' ? param.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : null;
  return {
    error: { message: error.message, type: typeOf(error.httpStatus), param: named, code: error.code.toLowerCase() },
  };
}

/** The headers a refusal carries besides its body: Retry-After for RATE_LIMITED, a challenge for 401. */
export function errorHeaders(error: TesseraError): Record<string, string> {
  const retryAfter = error.details?.retryAfter;
  return {
    ...(typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {}),
    ...(error.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' } : {}),
  };
}

export function sendError(res: ServerResponse, error: TesseraError): void {
  res.writeHead(error.httpStatus, { 'content-type': 'application/json; charset=utf-8', ...errorHeaders(error) });
  res.end(JSON.stringify(errorBody(error)));
}

/** Anything thrown as a coded error; an unexpected one is masked as INTERNAL_SERVER_ERROR (and logged by the caller). */
export function asCodedError(error: unknown): { coded: TesseraError; unexpected: boolean } {
  if (isTesseraError(error)) return { coded: error, unexpected: false };
  return { coded: new TesseraError('INTERNAL_SERVER_ERROR', 'Unexpected error.'), unexpected: true };
}
