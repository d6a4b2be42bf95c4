/**
 * The sessions of one model, replicated on `size` hosts so that `concurrency` requests can
 * compute at once. Each run goes to the host with the fewest requests in flight.
 */
import type * as ort from 'onnxruntime-node';
import { TesseraError, throwIfAborted } from '../../errors.js';
import type { GraphMetadata } from '../repository/signature.js';
import type { ExecutionProviderName, OnnxRunner } from '../types.js';
import { sessionSettings, type RuntimeOptions } from './options.js';
import { InlineSessionHost, WorkerSessionHost, type SessionHost } from './session-host.js';

export class SessionPool {
  private closed = false;

  private constructor(
    private readonly hosts: SessionHost[],
    readonly executionProvider: ExecutionProviderName,
    readonly fallbackReasons: string[],
    readonly metadata: Record<string, GraphMetadata>,
  ) {}

  /**
   * Opens every file on `size` hosts. `onCrash` hears of a worker that died on its own,
   * after which the pool cannot serve and its owner should mark the model failed.
   */
  static async open(
    files: Record<string, string>,
    options: RuntimeOptions,
    size: number,
    onCrash?: (error: Error) => void,
  ): Promise<SessionPool> {
    const hosts: SessionHost[] = Array.from({ length: size }, () => {
      if (options.sessionThread === 'main') return new InlineSessionHost();
      const host = new WorkerSessionHost();
      host.onCrash = onCrash;
      return host;
    });
    try {
      const reports = await Promise.all(hosts.map((host) => host.load(files, sessionSettings(options))));
      const first = reports[0];
      return new SessionPool(hosts, first.executionProvider, first.fallbackReasons, first.metadata);
    } catch (error) {
      await Promise.allSettled(hosts.map((host) => host.close()));
      throw error;
    }
  }

  private pick(): SessionHost {
    let best = this.hosts[0];
    for (const host of this.hosts) if (host.pending < best.pending) best = host;
    return best;
  }

  /** The runner for one file of the model, in the shape the task code expects. */
  runner(key: string, label: string): OnnxRunner {
    const metadata = this.metadata[key];
    if (!metadata) throw new Error(`${label}: no .onnx file "${key}" in this model`);
    return {
      inputNames: metadata.inputs.map((m) => m.name),
      outputNames: metadata.outputs.map((m) => m.name),
      run: (feeds, signal) => this.run(key, label, feeds, signal),
    };
  }

  /**
   * A run cannot be interrupted inside onnxruntime-node (RunOptions.terminate is WebAssembly
   * only), so the signal is checked before and after. The scheduler answers an aborted
   * client at once; the run itself holds its host until it ends, which keeps the work a
   * host has accepted bounded by the model's concurrency.
   */
  private async run(
    key: string,
    label: string,
    feeds: Record<string, ort.Tensor>,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, ort.Tensor>> {
    throwIfAborted(signal);
    if (this.closed) throw new TesseraError('MODEL_NOT_READY', `${label}: the model was unloaded`);
    let outputs: Record<string, ort.Tensor>;
    try {
      outputs = await this.pick().run(key, feeds);
    } catch (error) {
      throw new TesseraError('INFERENCE_FAILED', `${label}: ${(error as Error).message}`, undefined, { cause: error });
    }
    throwIfAborted(signal);
    return outputs;
  }

  /** Runs the same feeds once on every host, so each one has paid its first-run costs. */
  async warmUp(key: string, feeds: Record<string, ort.Tensor>): Promise<void> {
    for (const host of this.hosts) await host.run(key, feeds);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.hosts.map((host) => host.close()));
  }
}
