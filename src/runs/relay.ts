/**
 * How runs held by another replica are reached. The registry answers for runs in this
 * process; for an active request it does not hold, the run service asks the relay, which
 * mirrors that run's events here and carries a cancellation to the replica that holds it.
 */
import type { RequestRow } from '../db/request-store.js';
import type { ActiveRun } from './run-registry.js';

export interface RunRelay {
  /**
   * A mirror of a run held elsewhere: its events so far, then the rest; it ends when the run
   * ends there, or when `stillActive` says the request is no longer running anywhere.
   */
  follow<E>(row: RequestRow, stillActive: () => Promise<boolean>): ActiveRun<E>;
  /** Asks every replica to cancel the request; resolves once it ended (or is no longer active). */
  cancel(row: RequestRow, reason: string, stillActive: () => Promise<boolean>): Promise<void>;
}
