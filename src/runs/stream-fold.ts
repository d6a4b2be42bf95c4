/**
 * How a streamed task turns its engine events into what subscribers see and what its row
 * stores. One fold per request (it accumulates); the run service owns the rest.
 */
import type { RequestOutcome, RequestRow } from '../db/request-store.js';
import type { TesseraError } from '../errors.js';
import type { PendingRun } from './pending-run.js';

/** How a run ends: its final status, what it produced, and for a failure the error. */
export type Ending =
  | { status: 'COMPLETED'; outcome: RequestOutcome }
  | { status: 'FAILED' | 'CANCELLED'; error: TesseraError; outcome?: RequestOutcome };

export interface FoldStep<Out> {
  /** Published now; when `ending` is set, published after the row is final. */
  publish?: Out;
  ending?: Ending;
}

export interface StreamFold<In, Out> {
  /** Published first, once the row exists (a started event naming it). */
  opening?(row: RequestRow): Out | undefined;
  /** One event of the work. */
  step(event: In, run: PendingRun, row: RequestRow): FoldStep<Out>;
  /**
   * The work failed, was cancelled or ran dry without an ending: the last event subscribers
   * see, and what the row keeps besides what the run kept as it went.
   */
  broken(failure: TesseraError, row: RequestRow): { publish: Out; outcome?: RequestOutcome };
}
