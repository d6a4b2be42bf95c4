/**
 * The one path every inference takes from a resolver: persist the request, register it as
 * running, delegate to the engine, and write the final state whichever way the work ends.
 */
import type { Context } from '../contracts/context.js';
import type { NewRequest, RequestOutcome, RequestRow } from '../db/request-store.js';
import type { ActiveRun } from '../runs/run-registry.js';
import { isCancellation, isTesseraError, TesseraError } from '../errors.js';

export interface RunWork<T, E> {
  (run: ActiveRun<E>, hooks: { onStart: () => void; request: RequestRow }): Promise<{ value: T; outcome: RequestOutcome }>;
}

export async function recordRun<T, E = unknown>(
  ctx: Context,
  spec: NewRequest,
  work: RunWork<T, E>,
): Promise<{ value: T; request: RequestRow }> {
  const row = await ctx.requests.create(spec);
  let run: ActiveRun<E>;
  try {
    run = ctx.runs.start<E>(row.id, ctx.signal);
  } catch (error) {
    await settleFailure(ctx, row.id, error);
    throw error;
  }
  try {
    const onStart = () => {
      ctx.requests.markRunning(row.id).catch((error) => ctx.logger.warn({ err: error, id: row.id }, 'could not mark running'));
    };
    const { value, outcome } = await work(run, { onStart, request: row });
    if (run.signal.aborted) throw run.signal.reason;
    const request = await ctx.requests.complete(row.id, outcome);
    return { value, request };
  } catch (error) {
    await settleFailure(ctx, row.id, run.signal.aborted && !isTesseraError(error) ? run.signal.reason : error);
    throw run.signal.aborted && isCancellation(run.signal.reason) ? run.signal.reason : error;
  } finally {
    run.end();
  }
}

export async function settleFailure(ctx: Context, id: string, error: unknown, outcome: RequestOutcome = {}): Promise<RequestRow> {
  if (isCancellation(error)) {
    return ctx.requests.cancel(id, outcome, error instanceof Error ? error.message : undefined);
  }
  if (isTesseraError(error)) return ctx.requests.fail(id, { code: error.code, message: error.message }, outcome);
  ctx.logger.error({ err: error, id, requestId: ctx.requestId }, 'inference failed unexpectedly');
  const failure = new TesseraError('INFERENCE_FAILED', 'Inference failed unexpectedly; see the server log.');
  return ctx.requests.fail(id, { code: failure.code, message: failure.message }, outcome);
}
