/**
 * A session host runs one model's sessions somewhere: on a worker thread (the default,
 * so a long run does not freeze the server) or inline on the calling thread.
 */
import type { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import type { SessionSettings } from './options.js';
import { SessionSet } from './session-set.js';
import { spawnModuleWorker } from './spawn-worker.js';
import { fromWire, mapTensors, toWire } from './tensor-wire.js';
import type { HostReply, HostRequest, LoadReport } from './worker-protocol.js';

export interface SessionHost {
  /** Requests sent and not yet answered, for picking the least busy host. */
  readonly pending: number;
  load(files: Record<string, string>, settings: SessionSettings): Promise<LoadReport>;
  run(key: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  close(): Promise<void>;
}

export class InlineSessionHost implements SessionHost {
  private readonly sessions = new SessionSet();
  pending = 0;

  load(files: Record<string, string>, settings: SessionSettings): Promise<LoadReport> {
    return this.sessions.load(files, settings);
  }

  async run(key: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    this.pending += 1;
    try {
      return await this.sessions.run(key, feeds);
    } finally {
      this.pending -= 1;
    }
  }

  close(): Promise<void> {
    return this.sessions.release();
  }
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Waiter {
  resolve(reply: HostReply & { ok: true }): void;
  reject(error: Error): void;
}

export class WorkerSessionHost implements SessionHost {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing = false;

  /** Called once if the worker dies by itself (not by close()). */
  onCrash: ((error: Error) => void) | undefined;

  constructor() {
    this.worker = spawnModuleWorker(new URL('./session-worker.ts', import.meta.url));
    // An idle worker must not keep the process alive; a busy one must (see request()).
    this.worker.unref();
    this.worker.on('message', (reply: HostReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the session worker exited (code ${code})`)));
  }

  get pending(): number {
    return this.waiting.size;
  }

  private settle(reply: HostReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new Error(reply.message));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    if (!this.closing) this.onCrash?.(error);
  }

  private request(message: WithoutId<HostRequest>): Promise<HostReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id } as HostRequest);
    });
  }

  async load(files: Record<string, string>, settings: SessionSettings): Promise<LoadReport> {
    const reply = await this.request({ op: 'load', files, settings });
    return (reply as { load: LoadReport }).load;
  }

  async run(key: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const reply = await this.request({ op: 'run', key, feeds: mapTensors(feeds, toWire) });
    return mapTensors((reply as { outputs: Record<string, ReturnType<typeof toWire>> }).outputs, fromWire);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.failure) await this.request({ op: 'release' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
