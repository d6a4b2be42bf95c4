/**
 * A text generator whose decode loop runs on its own worker thread beside the onnxruntime
 * session (decode-worker.ts). This side keeps what must answer synchronously — validation,
 * tokenizing the prompt, the context check, OVERLOADED and SHUTTING_DOWN — and turns the
 * worker's per-step messages back into each request's event stream. Logits never cross
 * threads; one message a step carries every row's events.
 */
import type { Worker } from 'node:worker_threads';
import { TesseraError, overloaded, type ErrorCode } from '../../errors.js';
import { EventChannel } from '../generation/event-channel.js';
import { GenerationFront, type PreparedGeneration } from '../generation/front.js';
import type { LoopStats } from '../generation/loop.js';
import { readDecoderConfig } from '../generation/model-config.js';
import type { PrefixCacheStats } from '../generation/prefix-cache.js';
import type { DecoderSignature } from '../generation/signature.js';
import { computeImageFeatures, endedBeforeStart, type PreparedPrompt, type TextGeneratorInfo } from '../generation/text-generator.js';
import { TextTokenizer } from '../generation/tokenizer.js';
import type { GenerationEvent, GenerationLogger, GenerationRequest } from '../generation/types.js';
import { spawnModuleWorker } from '../runtime/spawn-worker.js';
import type { ExecutionProviderName } from '../types.js';
import type { DecodeThreadLoaded, DecodeThreadSpec, FromDecodeThread, ToDecodeThread } from './protocol.js';

const NO_STATS: LoopStats = { steps: 0, prefills: 0, rebuilds: 0, reusedRows: 0, maxRows: 0 };

export class ThreadedTextGenerator implements TextGeneratorInfo {
  readonly signature: DecoderSignature;
  readonly maxBatchSize: number;
  readonly executionProvider: ExecutionProviderName;
  readonly fallbackReasons: readonly string[];
  /** The loop's counters and the prefix cache's, as of the worker's last message. */
  stats: Readonly<LoopStats> = NO_STATS;
  private prefixCache: PrefixCacheStats;
  private readonly channels = new Map<number, { channel: EventChannel<GenerationEvent>; promptTokens: number }>();
  /** Requests sent and not yet completed: the OVERLOADED gate, which must answer synchronously. */
  private open = 0;
  private nextId = 1;
  private closing = false;
  private failure: TesseraError | null = null;
  private closed: (() => void) | null = null;
  /** Called once if the thread dies by itself (not by close()), so the engine can fail the model. */
  onCrash: ((error: Error) => void) | undefined;

  private constructor(
    private readonly front: GenerationFront,
    private readonly worker: Worker,
    loaded: DecodeThreadLoaded,
    private readonly maxOpen: number,
    private readonly logger: GenerationLogger | undefined,
  ) {
    this.signature = loaded.signature;
    this.maxBatchSize = loaded.maxBatchSize;
    this.executionProvider = loaded.executionProvider;
    this.fallbackReasons = loaded.fallbackReasons;
    this.prefixCache = loaded.prefixCache;
    worker.on('message', (message: FromDecodeThread) => this.receive(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the decode thread exited (code ${code})`)));
    worker.unref();
  }

  /** Loads the tokenizer here and the model on a new worker thread; MODEL_LOAD_FAILED as the in-thread loader would. */
  static async load(spec: DecodeThreadSpec, logger?: GenerationLogger): Promise<ThreadedTextGenerator> {
    const [config, tokenizer] = await Promise.all([readDecoderConfig(spec.dir), TextTokenizer.load(spec.dir)]);
    const front = new GenerationFront(tokenizer, config);
    const worker = spawnModuleWorker(new URL('./decode-worker.ts', import.meta.url));
    const loaded = await new Promise<DecodeThreadLoaded>((resolve, reject) => {
      const onMessage = (message: FromDecodeThread) => {
        if (message.op === 'log') forwardLog(logger, message);
        else if (message.op === 'loaded') done(() => resolve(message));
        else if (message.op === 'load-failed') done(() => reject(new TesseraError(message.error.code as ErrorCode, message.error.message)));
      };
      const onExit = (code: number) => done(() => reject(new TesseraError('MODEL_LOAD_FAILED', `The decode thread exited while loading (code ${code}).`)));
      const onError = (error: Error) => done(() => reject(new TesseraError('MODEL_LOAD_FAILED', `The decode thread failed while loading: ${error.message}`)));
      const done = (settle: () => void) => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
        settle();
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      worker.on('error', onError);
      worker.postMessage({ op: 'load', spec } satisfies ToDecodeThread);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    const maxOpen = loaded.maxBatchSize + Math.max(0, Math.floor(spec.maxQueue ?? 256));
    return new ThreadedTextGenerator(front, worker, loaded, maxOpen, logger);
  }

  get tokenizer(): TextTokenizer {
    return this.front.tokenizer;
  }

  get contextLength(): number {
    return this.front.contextLength;
  }

  prefixCacheStats(): PrefixCacheStats {
    return this.prefixCache;
  }

  promptIds(request: GenerationRequest): number[] {
    return this.front.promptIds(request);
  }

  defaultMaxTokens(promptTokens: number): number {
    return this.front.defaultMaxTokens(promptTokens);
  }

  /** Every check before work (BAD_USER_INPUT, OVERLOADED, SHUTTING_DOWN), synchronously on this thread. */
  prepare(request: GenerationRequest, ids?: number[]): PreparedGeneration {
    if (this.closing) throw new TesseraError('SHUTTING_DOWN', 'The text generator is closed.');
    if (this.failure) throw this.failure;
    const { output: _output, ...prepared } = this.front.prepare(request, ids);
    if (this.open >= this.maxOpen) {
      throw overloaded('text generations', this.maxOpen - this.maxBatchSize);
    }
    // The loop gathering a burst waits for it (see DecodeLoop.expect).
    this.worker.postMessage({ op: 'expect' } satisfies ToDecodeThread);
    return prepared;
  }

  /**
   * Streams one generation, as TextGenerator.generate does: bad input throws here; work starts
   * when iteration starts; ending the iteration early cancels it like the signal.
   */
  generate(request: GenerationRequest, options: { signal?: AbortSignal; prompt?: PreparedPrompt } = {}): AsyncIterable<GenerationEvent> {
    const prepared = this.prepare(request, options.prompt?.ids);
    const imageFeatures = options.prompt?.imageFeatures;
    const signal = options.signal;
    return {
      [Symbol.asyncIterator]: async function* (this: ThreadedTextGenerator) {
        this.open += 1;
        let id = 0;
        try {
          const features = imageFeatures && !signal?.aborted ? await computeImageFeatures(imageFeatures) : undefined;
          if (signal?.aborted || this.closing || this.failure) {
            // Cancelled while its image was encoded, or the generator closed or its thread died meanwhile.
            const ended = signal?.aborted ? undefined : (this.failure ?? new TesseraError('SHUTTING_DOWN', 'The text generator closed.'));
            const error = ended && { code: ended.code, message: ended.message };
            yield* endedBeforeStart(prepared.promptIds.length, error ? 'ERROR' : 'CANCELLED', error);
            return;
          }
          id = this.send(prepared, features);
          const channel = this.channels.get(id)!.channel;
          const onAbort = () => this.cancel(id);
          signal?.addEventListener('abort', onAbort, { once: true });
          try {
            yield* channel;
          } finally {
            signal?.removeEventListener('abort', onAbort);
          }
        } finally {
          // Left early (break, a client gone): the worker ends the row at its next step.
          if (id && this.channels.has(id)) this.cancel(id);
          this.open -= 1;
          if (this.open === 0) this.worker.unref();
        }
      }.bind(this),
    };
  }

  private send(prepared: PreparedGeneration, features: Float32Array | TesseraError | undefined): number {
    const id = this.nextId++;
    this.channels.set(id, { channel: new EventChannel(), promptTokens: prepared.promptIds.length });
    // A busy thread keeps the process alive; an idle one must not.
    this.worker.ref();
    const message: ToDecodeThread =
      features instanceof TesseraError
        ? { op: 'start', id, prepared, failure: { code: features.code, message: features.message } }
        : { op: 'start', id, prepared, imageFeatures: features };
    // Features are copied, not transferred: they may be a view of a buffer onnxruntime owns.
    this.worker.postMessage(message);
    return id;
  }

  private cancel(id: number): void {
    if (!this.failure) this.worker.postMessage({ op: 'cancel', id } satisfies ToDecodeThread);
  }

  private receive(message: FromDecodeThread): void {
    switch (message.op) {
      case 'events':
        this.stats = message.stats;
        this.prefixCache = message.prefixCache;
        for (const [id, event] of message.items) {
          const entry = this.channels.get(id);
          if (!entry) continue;
          entry.channel.push(event);
          if (event.type === 'completed') {
            entry.channel.end();
            this.channels.delete(id);
          }
        }
        return;
      case 'log':
        forwardLog(this.logger, message);
        return;
      case 'closed':
        this.closed?.();
        return;
      default:
        return;
    }
  }

  /** The thread died: every open request ends with an error, and the model stays failed until reloaded. */
  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = new TesseraError('INFERENCE_FAILED', `The decode thread stopped: ${error.message}`);
    if (!this.closing) {
      this.logger?.error?.({ err: error }, 'the text generation thread stopped');
      this.onCrash?.(error);
    }
    for (const [, { channel, promptTokens }] of this.channels) {
      for (const event of endedBeforeStart(promptTokens, 'ERROR', { code: this.failure.code, message: this.failure.message })) channel.push(event);
      channel.end();
    }
    this.channels.clear();
    this.closed?.();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.failure) {
      this.worker.ref();
      // The worker ends every request (SHUTTING_DOWN) and sends their last events before 'closed'.
      await new Promise<void>((resolve) => {
        this.closed = resolve;
        this.worker.postMessage({ op: 'close' } satisfies ToDecodeThread);
      });
    }
    await this.worker.terminate();
  }
}

function forwardLog(logger: GenerationLogger | undefined, message: Extract<FromDecodeThread, { op: 'log' }>): void {
  logger?.[message.level]?.(message.details, message.message);
}
