/**
 * The one failure mapping of the lifecycle: whatever ended a run becomes the TesseraError
 * its row stores and its client sees. A run whose signal was aborted ends CANCELLED, whatever
 * the work threw on the way out (with the work's own cancellation if it reported one, which
 * may say more, such as the pipeline step); unknown errors are logged once,
 * here, and reported as INFERENCE_FAILED without their internals.
 */
import { abortError, isCancellation, isTesseraError, TesseraError } from '../errors.js';
import type { Logger } from '../logger.js';

export function asFailure(error: unknown, signal: AbortSignal, logger: Logger, id: string): TesseraError {
  if (signal.aborted) return isTesseraError(error) && error.code === 'CANCELLED' ? error : abortError(signal);
  if (isTesseraError(error)) return error;
  if (isCancellation(error)) return new TesseraError('CANCELLED', error instanceof Error && error.message ? error.message : 'The request was cancelled.');
  logger.error({ err: error, id }, 'inference failed unexpectedly');
  return new TesseraError('INFERENCE_FAILED', 'Inference failed unexpectedly; see the server log.', { requestId: id });
}

/**
 * Refusals: the work was turned away before it was accepted (a full queue, a closing
 * server). A request refused so leaves no row, like one refused by validation.
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set(['OVERLOADED', 'SHUTTING_DOWN']);
