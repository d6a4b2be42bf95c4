/**
 * Who watches runs change state. Every transition of every run passes through the run
 * service once, so a metrics exporter, an audit log or a relay to other replicas is one
 * observer added to the list, not a change in each task.
 */
import type { RequestRow } from '../db/request-store.js';

export interface RunObserver {
  /** The row was written (QUEUED): the request was accepted. */
  created?(row: RequestRow): void;
  /** The work left the queue and started computing. */
  running?(row: RequestRow, startedAt: Date): void;
  /** An event was published to the run's subscribers (a token, a segment, a step). */
  published?(row: RequestRow, event: unknown): void;
  /** The final state was written; the row carries status, code, timings, tokens and batch size. */
  settled?(row: RequestRow): void;
  /** Refused before its work started (a full queue, a closing engine): the row was removed. */
  refused?(row: RequestRow, code: string): void;
  /** The run is over and its last event published; after `settled` or `refused`. */
  ended?(row: RequestRow): void;
}
