/**
 * The waiting room in front of the decode loop: a FIFO of requests and the admission
 * rule that decides which of them join the batch before the next decode step.
 *
 * A request is admitted as soon as a slot is free (fewer than maxBatchSize rows), so it
 * never waits for another request to finish unless every slot is busy. The token budget
 * caps the work of one round (one token per running row plus the prompt tokens prefilled
 * for newcomers), so a burst of long prompts is spread over several rounds instead of
 * stalling the running streams; at least one request is admitted per round so a prompt
 * larger than the budget still gets in.
 */
import { overloaded } from '../../errors.js';
import type { Sequence } from './sequence.js';

export interface BatcherLimits {
  maxBatchSize: number;
  tokenBudget: number;
  maxQueue: number;
}

export class ContinuousBatcher {
  private readonly queue: Sequence[] = [];

  constructor(readonly limits: BatcherLimits) {}

  get pending(): number {
    return this.queue.length;
  }

  assertRoom(): void {
    if (this.queue.length >= this.limits.maxQueue) throw overloaded('text generations', this.limits.maxQueue);
  }

  enqueue(sequence: Sequence): void {
    this.assertRoom();
    this.queue.push(sequence);
  }

  /** Takes a still-queued request out (it was cancelled); false when it already left the queue. */
  remove(sequence: Sequence): boolean {
    const at = this.queue.indexOf(sequence);
    if (at === -1) return false;
    this.queue.splice(at, 1);
    return true;
  }

  /** The requests that join now, given how many rows are already running. */
  admit(runningRows: number): Sequence[] {
    const picked: Sequence[] = [];
    let tokens = runningRows;
    while (this.queue.length > 0 && runningRows + picked.length < this.limits.maxBatchSize) {
      const next = this.queue[0];
      if (next.done || next.cancelRequested) {
        this.queue.shift();
        next.finishFlushing('CANCELLED');
        continue;
      }
      if (picked.length > 0 && tokens + next.promptTokens > this.limits.tokenBudget) break;
      this.queue.shift();
      picked.push(next);
      tokens += next.promptTokens;
    }
    return picked;
  }

  /** Everything still waiting, removed (shutdown). */
  drain(): Sequence[] {
    return this.queue.splice(0, this.queue.length);
  }
}
