/**
 * The requests that are running now, by id: each has its own AbortController (aborted by
 * its client, by `cancelRequest`, or by shutdown) and a replayable event log so a second
 * client can attach to it mid-way (`requestEvents`).
 */
import { TesseraError } from '../errors.js';
import { AsyncQueue } from './async-queue.js';

export class ActiveRun<E = unknown> {
  private readonly log: E[] = [];
  private readonly listeners = new Set<AsyncQueue<E>>();
  private ended_ = false;
  private resolveFinished!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));

  /** The controller may be made before the run, when work must be prepared against its signal. */
  constructor(
    readonly id: string,
    readonly controller: AbortController = new AbortController(),
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get ended(): boolean {
    return this.ended_;
  }

  publish(event: E): void {
    this.log.push(event);
    for (const listener of this.listeners) listener.push(event);
  }

  /** Everything published so far, then the rest as it comes. */
  attach(): AsyncIterable<E> {
    const queue: AsyncQueue<E> = new AsyncQueue<E>(() => this.listeners.delete(queue));
    for (const event of this.log) queue.push(event);
    if (this.ended_) queue.end();
    else this.listeners.add(queue);
    return queue;
  }

  end(): void {
    if (this.ended_) return;
    this.ended_ = true;
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
    this.resolveFinished();
  }
}

export class RunRegistry {
  private readonly runs = new Map<string, ActiveRun<any>>();
  private readonly streams = new Set<Promise<void>>();
  private closing = false;

  /**
   * Marks a subscription stream as open until the returned function is called, so shutdown
   * waits for the last events (a cancellation's completion) to reach their clients.
   */
  openStream(): () => void {
    let close!: () => void;
    const open = new Promise<void>((resolve) => (close = resolve));
    this.streams.add(open);
    void open.then(() => this.streams.delete(open));
    return close;
  }

  get size(): number {
    return this.runs.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Registers a run whose signal also follows the client's signal. */
  start<E>(id: string, clientSignal?: AbortSignal, controller?: AbortController): ActiveRun<E> {
    if (this.closing) throw new TesseraError('SHUTTING_DOWN', 'The server is shutting down and accepts no new work.');
    const run = new ActiveRun<E>(id, controller);
    if (clientSignal) {
      const onAbort = () => run.controller.abort(new TesseraError('CANCELLED', 'The client went away.'));
      if (clientSignal.aborted) onAbort();
      else clientSignal.addEventListener('abort', onAbort, { once: true });
      void run.finished.then(() => clientSignal.removeEventListener('abort', onAbort));
    }
    this.runs.set(id, run);
    void run.finished.then(() => this.runs.delete(id));
    return run;
  }

  /**
   * Registers a pipeline step: its signal follows the pipeline's. While the server drains, a
   * pipeline already running may finish its steps, unregistered (the drain waits for the pipeline).
   */
  startStep<E>(id: string, parent: AbortSignal, controller: AbortController): ActiveRun<E> {
    const run = new ActiveRun<E>(id, controller);
    const follow = () => run.controller.abort(parent.reason);
    if (parent.aborted) follow();
    else parent.addEventListener('abort', follow, { once: true });
    void run.finished.then(() => parent.removeEventListener('abort', follow));
    if (!this.closing) {
      this.runs.set(id, run);
      void run.finished.then(() => this.runs.delete(id));
    }
    return run;
  }

  get<E>(id: string): ActiveRun<E> | undefined {
    return this.runs.get(id);
  }

  cancel(id: string, reason = 'Cancelled by request.'): boolean {
    const run = this.runs.get(id);
    if (!run) return false;
    run.controller.abort(new TesseraError('CANCELLED', reason));
    return true;
  }

  /** Stops new work, lets running work finish up to `timeoutMs`, then cancels the rest. */
  async drain(timeoutMs: number): Promise<{ finished: number; cancelled: number }> {
    this.closing = true;
    const all = [...this.runs.values()];
    const settled = Promise.all(all.map((run) => run.finished));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) {
      await this.streamsClosed(1000);
      return { finished: all.length, cancelled: 0 };
    }
    const remaining = [...this.runs.values()];
    for (const run of remaining) {
      run.controller.abort(new TesseraError('CANCELLED', 'The server shut down before this request finished.'));
    }
    await Promise.all(remaining.map((run) => run.finished));
    await this.streamsClosed(1000);
    return { finished: all.length - remaining.length, cancelled: remaining.length };
  }

  private async streamsClosed(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.streams]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}
