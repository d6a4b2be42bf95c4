/**
 * One model's scheduler: owns its BatchQueue, forms batches, keeps at most `concurrency`
 * batches computing, and settles each request with its own result and timings. Callers
 * only submit; every state change happens inside this class.
 */
import { abortError, TesseraError } from '../../errors.js';
import type { RunStats } from '../types.js';
import { BatchQueue, type Queued } from './batch-queue.js';

export interface SchedulerOptions<I, O> {
  /** Names the queue in OVERLOADED messages, e.g. `model "paddleocr-v4"`. */
  what: string;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueue: number;
  concurrency: number;
  /** Runs one batch; must return one output per input, in order. */
  run(inputs: I[], signal: AbortSignal): Promise<O[]>;
  /** Rows an input adds on the batch axis. @default 1 */
  weight?(input: I): number;
  /** Inputs batch together only when their keys are equal. @default one key for all */
  batchKey?(input: I): string;
}

export interface Scheduled<O> {
  output: O;
  stats: RunStats;
}

export interface SubmitOptions {
  signal?: AbortSignal;
  onStart?: () => void;
}

interface Entry<I, O> extends Queued {
  input: I;
  onStart?: () => void;
  settled: boolean;
  resolve(value: Scheduled<O>): void;
  reject(error: unknown): void;
  detach(): void;
}

interface Running<I, O> {
  entries: Entry<I, O>[];
  controller: AbortController;
  done: Promise<void>;
}

export class Scheduler<I, O> {
  private readonly queue: BatchQueue<Entry<I, O>>;
  private readonly running = new Set<Running<I, O>>();
  private timer: NodeJS.Timeout | undefined;
  private closedWith: TesseraError | undefined;

  constructor(private readonly options: SchedulerOptions<I, O>) {
    this.queue = new BatchQueue(options.what, options.maxQueue);
  }

  /** Requests waiting (not computing). */
  get queued(): number {
    return this.queue.length;
  }

  /** Batches computing now. */
  get active(): number {
    return this.running.size;
  }

  submit(input: I, options: SubmitOptions = {}): Promise<Scheduled<O>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Scheduled<O>>((resolve, reject) => {
      const onAbort = () => this.abandon(entry, abortError(signal!));
      const entry: Entry<I, O> = {
        input,
        weight: this.options.weight?.(input) ?? 1,
        key: this.options.batchKey?.(input) ?? '',
        enqueuedAt: performance.now(),
        signal,
        onStart: options.onStart,
        settled: false,
        resolve: (value) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.detach();
          resolve(value);
        },
        reject: (error) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.detach();
          reject(error);
        },
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      this.queue.append(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  /**
   * A client went away. Waiting: leave the queue now. Computing: answer it now; the batch
   * is aborted only once nobody in it is still waiting for the result.
   */
  private abandon(entry: Entry<I, O>, error: TesseraError): void {
    if (entry.settled) return;
    if (this.queue.remove(entry)) {
      entry.reject(error);
      this.pump();
      return;
    }
    entry.reject(error);
    for (const batch of this.running) {
      if (batch.entries.includes(entry) && batch.entries.every((e) => e.settled)) batch.controller.abort(error);
    }
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const { maxBatchSize, maxQueueDelayMs, concurrency } = this.options;
    while (!this.closedWith && this.running.size < concurrency) {
      const now = performance.now();
      const due = this.queue.dueAt(maxBatchSize, maxQueueDelayMs, now);
      if (due === undefined) {
        // Only aborted entries remain; forming a batch drops them.
        const { dropped } = this.queue.nextBatch(maxBatchSize);
        for (const e of dropped) e.reject(abortError(e.signal!));
        return;
      }
      if (due > now) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(due - now));
        return;
      }
      const { entries, dropped } = this.queue.nextBatch(maxBatchSize);
      for (const e of dropped) e.reject(abortError(e.signal!));
      if (entries.length > 0) this.start(entries);
    }
  }

  private start(entries: Entry<I, O>[]): void {
    const controller = new AbortController();
    const startedAt = performance.now();
    const batchSize = entries.reduce((sum, e) => sum + e.weight, 0);
    for (const e of entries) {
      try {
        e.onStart?.();
      } catch {
        // A failing observer must not break the batch it observes.
      }
    }
    const batch: Running<I, O> = { entries, controller, done: Promise.resolve() };
    batch.done = this.compute(batch, startedAt, batchSize).finally(() => {
      this.running.delete(batch);
      this.pump();
    });
    this.running.add(batch);
  }

  private async compute(batch: Running<I, O>, startedAt: number, batchSize: number): Promise<void> {
    const { entries, controller } = batch;
    try {
      const outputs = await this.options.run(
        entries.map((e) => e.input),
        controller.signal,
      );
      if (outputs.length !== entries.length) {
        throw new TesseraError('INTERNAL_SERVER_ERROR', `${this.options.what}: a batch of ${entries.length} returned ${outputs.length} results`);
      }
      const computeMs = performance.now() - startedAt;
      entries.forEach((e, i) => e.resolve({ output: outputs[i], stats: { queueMs: startedAt - e.enqueuedAt, computeMs, batchSize } }));
    } catch (error) {
      for (const e of entries) e.reject(error);
    }
  }

  /**
   * Stops taking work: everything waiting is rejected with `reason`. Running batches are
   * awaited, and also aborted when `abortRunning` is set (shutdown rather than unload).
   */
  async close(reason: TesseraError, options: { abortRunning?: boolean } = {}): Promise<void> {
    if (!this.closedWith) this.closedWith = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const e of this.queue.takeAll()) e.reject(reason);
    const batches = [...this.running];
    if (options.abortRunning) {
      for (const b of batches) {
        for (const e of b.entries) e.reject(reason);
        b.controller.abort(reason);
      }
    }
    await Promise.all(batches.map((b) => b.done));
  }
}
