/**
 * A loaded decoder-only language model that streams generations: the tokenizer, the
 * ONNX session, and the one decode loop that serves every concurrent request.
 */
import { access } from 'node:fs/promises';
import { totalmem } from 'node:os';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { TesseraError } from '../../errors.js';
import { ContinuousBatcher } from './batcher.js';
import { MAX_TOKEN_CHARS } from './constraints/automaton.js';
import { ConstraintGrammar, MaskCache } from './constraints/grammar.js';
import { JsonConstraint } from './constraints/json-constraint.js';
import { buildTokenTrie, type TokenTrie } from './constraints/token-trie.js';
import { DecoderModel } from './decoder-model.js';
import { EventChannel, type EventSink } from './event-channel.js';
import { GenerationFront, outputKey, planOutput, type OutputPlan, type PreparedGeneration } from './front.js';
import { DecodeLoop, type LoopStats } from './loop.js';
import { readDecoderConfig } from './model-config.js';
import { PrefixCache, type PrefixCacheStats } from './prefix-cache.js';
import { Sequence } from './sequence.js';
import { describeDecoder, type DecoderSignature } from './signature.js';
import type { TokenEmbedder } from './token-embedder.js';
import { TextTokenizer } from './tokenizer.js';
import { toolMode, type ToolMode } from './tools.js';
import type { GenerationEvent, GenerationLogger, GenerationRequest } from './types.js';

export interface TextGeneratorOptions {
  createSession: (path: string) => Promise<InferenceSession>;
  /** The graph file, relative to the folder (default: the first of onnx/model.onnx, onnx/decoder_model_merged.onnx, ...). */
  graphFile?: string;
  /** Rows decoded together per step (default 16). */
  maxBatchSize?: number;
  /** Tokens of work per scheduling round: running rows plus prompt tokens prefilled (default 2048). */
  tokenBudget?: number;
  /** Requests allowed to wait for a slot before OVERLOADED (default 256). */
  maxQueue?: number;
  /** Bytes of prompt-prefix keys/values kept for later prompts (default: 1/16 of memory, at most 1 GiB; 0: off). */
  prefixCacheBytes?: number;
  /** Tokens per prefix-cache block (default 32): prefixes are reused in whole blocks. */
  prefixBlockTokens?: number;
  logger?: GenerationLogger;
  /** The token embedding graph, for decoders that take inputs_embeds (vision-language models); released with the generator. */
  embedder?: TokenEmbedder;
}

/** A prompt already tokenized by the caller, with features for its image placeholder tokens. */
export interface PreparedPrompt {
  ids: number[];
  /** Computed when iteration starts, so the request's own work (and its timings) include it. */
  imageFeatures?: () => Promise<Float32Array>;
}

const defaultPrefixCacheBytes = () => Math.min(2 ** 30, Math.floor(totalmem() / 16));
/** Compiled response formats kept per model; masks are cached inside each. */
const MAX_GRAMMARS = 64;

/** Where decoder exports put the graph, in the order they are tried. */
const GRAPH_FILES = ['onnx/model.onnx', 'onnx/decoder_model_merged.onnx', 'model.onnx', 'decoder_model_merged.onnx'];

async function findGraph(dir: string, explicit: string | undefined): Promise<string> {
  for (const file of explicit ? [explicit] : GRAPH_FILES) {
    const candidate = path.join(dir, file);
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  throw new TesseraError('MODEL_LOAD_FAILED', `No decoder graph in ${dir} (looked for ${explicit ?? GRAPH_FILES.join(', ')}).`);
}

/** Runs the vision encoder for a request; a failure is that request's error, not the model's. */
export async function computeImageFeatures(features: () => Promise<Float32Array>): Promise<Float32Array | TesseraError> {
  try {
    return await features();
  } catch (error) {
    return error instanceof TesseraError ? error : new TesseraError('INFERENCE_FAILED', `The vision encoder failed: ${(error as Error).message}`);
  }
}

/** A request the loop holds: cancel it, or see whether it ended. */
export interface GenerationHandle {
  readonly done: boolean;
  cancel(): void;
}

/** What a generator shows of itself besides `generate`; the decode-thread generator has the same. */
export interface TextGeneratorInfo {
  readonly tokenizer: TextTokenizer;
  readonly contextLength: number;
  readonly signature: DecoderSignature;
  readonly maxBatchSize: number;
  readonly stats: Readonly<LoopStats>;
  prefixCacheStats(): PrefixCacheStats;
  promptIds(request: GenerationRequest): number[];
  defaultMaxTokens(promptTokens: number): number;
  generate(request: GenerationRequest, options?: { signal?: AbortSignal; prompt?: PreparedPrompt }): AsyncIterable<GenerationEvent>;
  close(): Promise<void>;
}

export class TextGenerator implements TextGeneratorInfo {
  readonly front: GenerationFront;
  readonly signature: DecoderSignature;
  readonly maxBatchSize: number;
  private readonly eosTokenIds: ReadonlySet<number>;
  private readonly loop: DecodeLoop;
  private readonly prefixCache: PrefixCache;
  private readonly grammars = new Map<string, ConstraintGrammar>();
  private trie: TokenTrie | null = null;
  private readonly masks = new MaskCache();
  private readonly embedder: TokenEmbedder | undefined;
  private closed = false;

  private constructor(
    front: GenerationFront,
    private readonly session: InferenceSession,
    init: {
      signature: DecoderSignature;
      eosTokenIds: number[];
      maxBatchSize: number;
      batcher: ContinuousBatcher;
      prefixCache: PrefixCache;
      logger?: GenerationLogger;
      embedder?: TokenEmbedder;
    },
  ) {
    this.front = front;
    this.signature = init.signature;
    this.eosTokenIds = new Set(init.eosTokenIds);
    this.maxBatchSize = init.maxBatchSize;
    this.prefixCache = init.prefixCache;
    this.embedder = init.embedder;
    this.loop = new DecodeLoop(new DecoderModel(session, init.signature, init.embedder), init.batcher, init.logger, init.prefixCache, front.contextLength);
  }

  static async load(dir: string, options: TextGeneratorOptions): Promise<TextGenerator> {
    const [config, tokenizer, graph] = await Promise.all([readDecoderConfig(dir), TextTokenizer.load(dir), findGraph(dir, options.graphFile)]);
    const front = new GenerationFront(tokenizer, config);
    const session = await options.createSession(graph);
    try {
      const signature = describeDecoder(session, config);
      if (config.layers !== undefined && config.layers !== signature.layers.length) {
        options.logger?.warn?.({ config: config.layers, graph: signature.layers.length }, 'config.json and the graph disagree on the layer count; using the graph');
      }
      let maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 16));
      // Rows of different lengths are left-padded; only explicit position ids and a mask
      // keep a padded row's positions right, so without them every request runs alone.
      if (maxBatchSize > 1 && (!signature.positionIds || !signature.attentionMask)) {
        options.logger?.warn?.({ dir }, 'the decoder takes no position_ids/attention_mask input; batching is off for this model');
        maxBatchSize = 1;
      }
      const eosTokenIds = [...config.eosTokenIds];
      if (tokenizer.eosTokenId !== undefined && !eosTokenIds.includes(tokenizer.eosTokenId)) eosTokenIds.push(tokenizer.eosTokenId);
      const batcher = new ContinuousBatcher({
        maxBatchSize,
        tokenBudget: Math.max(1, Math.floor(options.tokenBudget ?? 2048)),
        maxQueue: Math.max(0, Math.floor(options.maxQueue ?? 256)),
      });
      const prefixCache = new PrefixCache(
        { layers: signature.layers.length, kvHeads: signature.kvHeads, headDim: signature.headDim, kvType: signature.kvType },
        // Blocks are named by token ids alone; where an embedder splices image features in at
        // placeholder tokens, equal ids no longer mean an equal prefix, so there is no cache.
        options.embedder ? 0 : Math.max(0, Math.floor(options.prefixCacheBytes ?? defaultPrefixCacheBytes())),
        Math.max(1, Math.floor(options.prefixBlockTokens ?? 32)),
      );
      options.logger?.info?.({ dir, prefixCacheBytes: prefixCache.limitBytes, blockTokens: prefixCache.blockTokens }, 'text generation prefix cache sized');
      return new TextGenerator(front, session, {
        signature,
        eosTokenIds,
        maxBatchSize,
        batcher,
        prefixCache,
        logger: options.logger,
        embedder: options.embedder,
      });
    } catch (error) {
      await session.release().catch(() => undefined);
      throw error;
    }
  }

  get tokenizer(): TextTokenizer {
    return this.front.tokenizer;
  }

  get contextLength(): number {
    return this.front.contextLength;
  }

  /** Counters of the decode loop (steps run, prefills, cache rebuilds, widest batch). */
  get stats(): Readonly<LoopStats> {
    return this.loop.stats;
  }

  /** The prefix cache's size, limit and hit counts (see prefix-cache.ts). */
  prefixCacheStats(): PrefixCacheStats {
    return this.prefixCache.stats();
  }

  defaultMaxTokens(promptTokens: number): number {
    return this.front.defaultMaxTokens(promptTokens);
  }

  promptIds(request: GenerationRequest): number[] {
    return this.front.promptIds(request);
  }

  /**
   * The grammar a request's output is decoded under (responseFormat, or a forced tool call),
   * or null; built once per distinct format, the vocabulary's trie once per model.
   */
  outputGrammar(plan: OutputPlan): ConstraintGrammar | null {
    if (!plan.root) return null;
    let grammar = this.grammars.get(plan.key);
    if (!grammar) {
      // The vocabulary's texts are decoded once per model, on its first constrained request.
      // End-of-sequence is offered only when the value is complete, never as text.
      const text = (id: number) => (this.eosTokenIds.has(id) ? '' : this.tokenizer.decode([id]));
      this.trie ??= buildTokenTrie(this.tokenizer.vocabSize, text, MAX_TOKEN_CHARS);
      grammar = new ConstraintGrammar(plan.root, this.trie, [...this.eosTokenIds], this.masks);
      if (this.grammars.size >= MAX_GRAMMARS) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(plan.key, grammar);
    }
    return grammar;
  }

  /**
   * The grammar of a request validated on another thread: its schema is compiled again only
   * when no earlier request with the same format built the grammar.
   */
  private grammarOf(request: GenerationRequest, tools: ToolMode): ConstraintGrammar | null {
    const key = outputKey(request, tools);
    if (!key) return null;
    return this.grammars.get(key) ?? this.outputGrammar(planOutput(request));
  }

  /** Every check before work (BAD_USER_INPUT, OVERLOADED, SHUTTING_DOWN), synchronously. */
  prepare(request: GenerationRequest, ids?: number[]): PreparedGeneration & { output: OutputPlan } {
    if (this.closed) throw new TesseraError('SHUTTING_DOWN', 'The text generator is closed.');
    const prepared = this.front.prepare(request, ids);
    this.loop.assertRoom();
    this.loop.expect();
    return prepared;
  }

  /** A request prepared on another thread is on its way (see DecodeLoop.expect). */
  expect(): void {
    this.loop.expect();
  }

  /**
   * Hands a prepared request to the decode loop; its events go to `events`, ending with
   * `completed`. A request prepared on another thread comes without its output plan.
   */
  start(prepared: PreparedGeneration & { output?: OutputPlan }, events: EventSink<GenerationEvent>, imageFeatures?: Float32Array | TesseraError): GenerationHandle {
    const tools = prepared.output?.tools ?? toolMode(prepared.request);
    const grammar = prepared.output ? this.outputGrammar(prepared.output) : this.grammarOf(prepared.request, tools);
    const sequence = new Sequence({
      events,
      promptIds: prepared.promptIds,
      maxTokens: prepared.maxTokens,
      eosTokenIds: this.eosTokenIds,
      request: prepared.request,
      tokenizer: this.tokenizer,
      constraint: grammar ? new JsonConstraint(grammar) : undefined,
      toolMode: tools,
    });
    const loop = this.loop;
    if (imageFeatures instanceof TesseraError) {
      // The vision encoder failed: the request ends with its error, having never queued.
      sequence.finishFlushing('ERROR', { code: imageFeatures.code, message: imageFeatures.message });
    } else {
      sequence.imageFeatures = imageFeatures;
      loop.submit(sequence);
    }
    return {
      get done() {
        return sequence.done;
      },
      cancel: () => loop.cancel(sequence),
    };
  }

  /**
   * Streams one generation: `started`, then `token` events, then `completed`. Bad
   * parameters throw BAD_USER_INPUT here, synchronously, before any work. Work starts
   * when iteration starts; ending the iteration early (break) cancels it like the signal.
   */
  generate(request: GenerationRequest, options: { signal?: AbortSignal; prompt?: PreparedPrompt } = {}): AsyncIterable<GenerationEvent> {
    const prepared = this.prepare(request, options.prompt?.ids);
    const imageFeatures = options.prompt?.imageFeatures;
    const signal = options.signal;
    return {
      [Symbol.asyncIterator]: async function* (this: TextGenerator) {
        const events = new EventChannel<GenerationEvent>();
        const features = imageFeatures && !signal?.aborted ? await computeImageFeatures(imageFeatures) : undefined;
        if (signal?.aborted) {
          yield* endedBeforeStart(prepared.promptIds.length, 'CANCELLED');
          return;
        }
        const handle = this.start(prepared, events, features);
        const onAbort = () => handle.cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          yield* events;
        } finally {
          signal?.removeEventListener('abort', onAbort);
          if (!handle.done) handle.cancel();
        }
      }.bind(this),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.loop.close();
    this.prefixCache.clear();
    await this.session.release();
    await this.embedder?.release();
  }
}

/** The events of a request that ended before it reached the loop: started, then completed. */
export function endedBeforeStart(promptTokens: number, reason: 'CANCELLED' | 'ERROR', error?: { code: string; message: string }): GenerationEvent[] {
  return [
    { type: 'started', promptTokens, queueMs: 0 },
    {
      type: 'completed',
      finishReason: reason,
      text: '',
      usage: { promptTokens, completionTokens: 0 },
      timings: { queueMs: 0, timeToFirstTokenMs: null, tokensPerSecond: null, computeMs: 0, batchSize: null },
      ...(error ? { error } : {}),
    },
  ];
}
