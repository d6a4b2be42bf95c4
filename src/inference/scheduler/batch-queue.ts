/**
 * The waiting line of one model, as plain state with no timers or I/O so it can be
 * tested entry by entry. Its owner (the Scheduler) is the only code that touches it.
 */
import { overloaded } from '../../errors.js';

export interface Queued {
  /** Rows this entry adds on the batch axis (1 for models without one). */
  readonly weight: number;
  /** Entries batch together only when their keys match (same non-batch dimensions). */
  readonly key: string;
  readonly enqueuedAt: number;
  readonly signal?: AbortSignal;
}

export interface FormedBatch<E> {
  entries: E[];
  /** Entries whose client went away while waiting, removed from the queue unrun. */
  dropped: E[];
}

export class BatchQueue<E extends Queued> {
  private entries: E[] = [];

  constructor(
    readonly what: string,
    readonly limit: number,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  /** The waiting entries, front first; a copy for inspection. */
  snapshot(): E[] {
    return [...this.entries];
  }

  /** Queues the entry, or throws OVERLOADED at once when the line is full. */
  append(entry: E): void {
    if (this.entries.length >= this.limit) throw overloaded(this.what, this.limit);
    this.entries.push(entry);
  }

  remove(entry: E): boolean {
    const index = this.entries.indexOf(entry);
    if (index < 0) return false;
    this.entries.splice(index, 1);
    return true;
  }

  /** Removes and returns everything waiting. */
  takeAll(): E[] {
    const all = this.entries;
    this.entries = [];
    return all;
  }

  private head(): E | undefined {
    return this.entries.find((e) => !e.signal?.aborted);
  }

  /** Rows waiting that could join the head's batch. */
  private compatibleWeight(head: E): number {
    let weight = 0;
    for (const e of this.entries) if (e.key === head.key && !e.signal?.aborted) weight += e.weight;
    return weight;
  }

  /**
   * When the next batch is due: now if enough rows wait to fill it, otherwise once the
   * oldest live entry has waited `maxDelayMs`. Undefined when nothing live waits.
   */
  dueAt(maxBatchSize: number, maxDelayMs: number, now: number): number | undefined {
    const head = this.head();
    if (!head) return undefined;
    if (maxDelayMs <= 0 || this.compatibleWeight(head) >= maxBatchSize) return now;
    return head.enqueuedAt + maxDelayMs;
  }

  /**
   * Takes the oldest live entry and, in queue order, every later entry with the same key
   * that still fits under `maxBatchSize` rows. The head always goes, even when heavier
   * than a batch, so one large request cannot block the line. Aborted entries met on the
   * way are dropped; entries that do not fit keep their place.
   */
  nextBatch(maxBatchSize: number): FormedBatch<E> {
    const entries: E[] = [];
    const dropped: E[] = [];
    const kept: E[] = [];
    let weight = 0;
    let key: string | undefined;
    for (const e of this.entries) {
      if (e.signal?.aborted) {
        dropped.push(e);
      } else if (key === undefined) {
        key = e.key;
        weight = e.weight;
        entries.push(e);
      } else if (e.key === key && weight + e.weight <= maxBatchSize) {
        weight += e.weight;
        entries.push(e);
      } else {
        kept.push(e);
      }
    }
    this.entries = kept;
    return { entries, dropped };
  }
}
