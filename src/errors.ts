/**
 * Failures a client can cause, or that end a request, as one closed set of codes.
 * The engine throws these; the GraphQL layer maps them to `extensions.code` and an
 * HTTP status, and the request history stores the same code. Nothing here knows GraphQL.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUERY_TOO_COMPLEX: 400,
  MODEL_NOT_FOUND: 404,
  NOT_FOUND: 404,
  /** The request is still queued or running, so it cannot be deleted yet. */
  REQUEST_ACTIVE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  MODEL_NOT_READY: 503,
  MODEL_LOAD_FAILED: 500,
  CANCELLED: 499,
  INTERRUPTED: 500,
  SHUTTING_DOWN: 503,
  INFERENCE_FAILED: 500,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_TIMEOUT: 504,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TesseraError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new TesseraError('BAD_USER_INPUT', message, details);

export const tooLarge = (message: string, details?: Record<string, unknown>) =>
  new TesseraError('PAYLOAD_TOO_LARGE', message, details);

export const modelNotFound = (name: string) =>
  new TesseraError('MODEL_NOT_FOUND', `No model named "${name}" is in the model repository.`, { model: name });

export const overloaded = (what: string, limit: number) =>
  new TesseraError('OVERLOADED', `The queue of ${what} is full (${limit} waiting); retry later.`, { limit });

export const cancelled = (reason = 'The request was cancelled.') => new TesseraError('CANCELLED', reason);

/** An aborted AbortSignal's reason as a TesseraError, so cancellation reads the same everywhere. */
export function abortError(signal: AbortSignal): TesseraError {
  const reason: unknown = signal.reason;
  if (reason instanceof TesseraError) return reason;
  return cancelled(reason instanceof Error && reason.message ? reason.message : undefined);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function isCancellation(error: unknown): boolean {
  return (
    (error instanceof TesseraError && error.code === 'CANCELLED') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

export function isTesseraError(error: unknown): error is TesseraError {
  return error instanceof TesseraError;
}

/**
 * A message with every occurrence of an absolute folder written relative to it, so errors a
 * client sees name `tiny-lm/onnx/model.onnx`, not where the server keeps its models.
 */
export function relativeToRoot(message: string, root: string): string {
  const trimmed = root.replace(/[\\/]+$/, '');
  if (trimmed === '') return message;
  return message.split(`${trimmed}/`).join('').split(trimmed).join('.');
}
