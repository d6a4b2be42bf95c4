/**
 * A run before its row exists. The engine call is prepared (and so validated) against its
 * signal and start callback first, so a request refused by validation never gets a row;
 * once the row is written the run service binds the callback to it.
 */
import type { RequestOutcome } from '../db/request-store.js';

export class PendingRun {
  readonly controller = new AbortController();
  /** An own field, not a getter, so a run can be spread into the engine's options. */
  readonly signal: AbortSignal = this.controller.signal;
  private startedAt: Date | null = null;
  private markRunning: ((at: Date) => void) | null = null;
  private progress: RequestOutcome = {};
  /** Set by the run service when the final state is written, so it is written once. */
  settled = false;

  /** Whether the work left the queue; a refusal can only come before. */
  get started(): boolean {
    return this.startedAt !== null;
  }

  /** When the work left the queue, or null. */
  get startTime(): Date | null {
    return this.startedAt;
  }

  /** What the row keeps if the work stops part-way (a cancelled answer's first words). */
  get partial(): RequestOutcome {
    return this.progress;
  }

  /** Called by the engine when the work leaves its queue; remembered if the row is not written yet. */
  readonly onStart = (at: Date = new Date()): void => {
    if (this.startedAt) return;
    this.startedAt = at;
    this.markRunning?.(at);
  };

  keep(outcome: RequestOutcome): void {
    this.progress = { ...this.progress, ...outcome };
  }

  bind(markRunning: (at: Date) => void): void {
    this.markRunning = markRunning;
    if (this.startedAt) markRunning(this.startedAt);
  }
}
