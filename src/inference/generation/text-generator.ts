/**
 * A loaded decoder-only language model that streams generations: the tokenizer, the
 * ONNX session, and the one decode loop that serves every concurrent request.
 */
import { access } from 'node:fs/promises';
import { totalmem } from 'node:os';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { TesseraError, badInput } from '../../errors.js';
import { ContinuousBatcher } from './batcher.js';
import { MAX_TOKEN_CHARS } from './constraints/automaton.js';
import { ConstraintGrammar, MaskCache } from './constraints/grammar.js';
import { JsonConstraint } from './constraints/json-constraint.js';
import { compileResponseFormat } from './constraints/schema.js';
import { buildTokenTrie, type TokenTrie } from './constraints/token-trie.js';
import { DecoderModel } from './decoder-model.js';
import { DecodeLoop, type LoopStats } from './loop.js';
import { readDecoderConfig } from './model-config.js';
import { PrefixCache, type PrefixCacheStats } from './prefix-cache.js';
import { Sequence } from './sequence.js';
import { describeDecoder, type DecoderSignature } from './signature.js';
import type { TokenEmbedder } from './token-embedder.js';
import { TextTokenizer } from './tokenizer.js';
import { checkTools, forcedCallGrammar, toolMode, type ToolMode } from './tools.js';
import type { GenerationEvent, GenerationLogger, GenerationRequest } from './types.js';
import { checkContext, validateGenerationRequest } from './validate.js';

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
  /** The token embedding graph, for decoders that take inputs_embeds (vision-language models). */
  embedder?: TokenEmbedder;
}

/** A prompt already tokenized by the caller, with features for its image placeholder tokens. */
export interface PreparedPrompt {
  ids: number[];
  /** Computed when iteration starts, so the request's own work (and its timings) include it. */
  imageFeatures?: () => Promise<Float32Array>;
}

const DEFAULT_MAX_TOKENS = 128;
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

/** Runs the vision encoder for a sequence; a failure ends only that request. */
async function attachImageFeatures(sequence: Sequence, features: () => Promise<Float32Array>): Promise<void> {
  try {
    sequence.imageFeatures = await features();
  } catch (error) {
    const failure = error instanceof TesseraError ? error : new TesseraError('INFERENCE_FAILED', `The vision encoder failed: ${(error as Error).message}`);
    sequence.finishFlushing('ERROR', { code: failure.code, message: failure.message });
  }
}

export class TextGenerator {
  readonly contextLength: number;
  readonly signature: DecoderSignature;
  readonly maxBatchSize: number;
  private readonly eosTokenIds: ReadonlySet<number>;
  private readonly lengthDefaults: { maxNewTokens?: number; maxLength?: number };
  private readonly loop: DecodeLoop;
  private readonly prefixCache: PrefixCache;
  private readonly grammars = new Map<string, ConstraintGrammar>();
  private trie: TokenTrie | null = null;
  private readonly masks = new MaskCache();
  private closed = false;

  private constructor(
    readonly tokenizer: TextTokenizer,
    private readonly session: InferenceSession,
    init: {
      contextLength: number;
      signature: DecoderSignature;
      eosTokenIds: number[];
      lengthDefaults: { maxNewTokens?: number; maxLength?: number };
      maxBatchSize: number;
      batcher: ContinuousBatcher;
      prefixCache: PrefixCache;
      logger?: GenerationLogger;
      embedder?: TokenEmbedder;
    },
  ) {
    this.contextLength = init.contextLength;
    this.signature = init.signature;
    this.eosTokenIds = new Set(init.eosTokenIds);
    this.lengthDefaults = init.lengthDefaults;
    this.maxBatchSize = init.maxBatchSize;
    this.prefixCache = init.prefixCache;
    this.loop = new DecodeLoop(new DecoderModel(session, init.signature, init.embedder), init.batcher, init.logger, init.prefixCache, init.contextLength);
  }

  static async load(dir: string, options: TextGeneratorOptions): Promise<TextGenerator> {
    const [config, tokenizer, graph] = await Promise.all([readDecoderConfig(dir), TextTokenizer.load(dir), findGraph(dir, options.graphFile)]);
    const session = await options.createSession(graph);
    try {
      const signature = describeDecoder(session, config);
      if (config.layers !== undefined && config.layers !== signature.layers.length) {
        options.logger?.warn?.({ config: config.layers, graph: signature.layers.length }, 'config.json and the graph disagree on the layer count; using the graph');
      }
      const contextLength = config.contextLength ?? tokenizer.modelMaxLength;
      if (!contextLength) throw new TesseraError('MODEL_LOAD_FAILED', 'Neither config.json nor tokenizer_config.json gives a context length.');
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
      return new TextGenerator(tokenizer, session, {
        contextLength,
        signature,
        eosTokenIds,
        lengthDefaults: { maxNewTokens: config.maxNewTokens, maxLength: config.maxLength },
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

  /** Counters of the decode loop (steps run, prefills, cache rebuilds, widest batch). */
  get stats(): Readonly<LoopStats> {
    return this.loop.stats;
  }

  /** The prefix cache's size, limit and hit counts (see prefix-cache.ts). */
  prefixCacheStats(): PrefixCacheStats {
    return this.prefixCache.stats();
  }

  /**
   * Without maxTokens: generation_config's max_new_tokens, else what its max_length
   * leaves after the prompt, else 128; never more than the context has room for.
   */
  defaultMaxTokens(promptTokens: number): number {
    const { maxNewTokens, maxLength } = this.lengthDefaults;
    const wanted = maxNewTokens ?? (maxLength !== undefined ? maxLength - promptTokens : DEFAULT_MAX_TOKENS);
    return Math.max(1, Math.min(wanted, this.contextLength - promptTokens));
  }

  /**
   * The grammar a request's output is decoded under (responseFormat, or a forced tool
   * call), or null. Refuses unsupported schemas with BAD_USER_INPUT before any work.
   */
  outputGrammar(request: GenerationRequest): { grammar: ConstraintGrammar | null; tools: ToolMode } {
    const toolGrammars = checkTools(request);
    const tools = toolMode(request);
    const root = request.responseFormat
      ? compileResponseFormat(request.responseFormat)
      : tools.kind === 'forced'
        ? forcedCallGrammar(tools.tools, toolGrammars)
        : null;
    if (!root) return { grammar: null, tools };
    const key = JSON.stringify(request.responseFormat ?? { tools: tools.kind === 'forced' ? tools.tools : [] });
    let grammar = this.grammars.get(key);
    if (!grammar) {
      // The vocabulary's texts are decoded once per model, on its first constrained request.
      // End-of-sequence is offered only when the value is complete, never as text.
      const text = (id: number) => (this.eosTokenIds.has(id) ? '' : this.tokenizer.decode([id]));
      this.trie ??= buildTokenTrie(this.tokenizer.vocabSize, text, MAX_TOKEN_CHARS);
      grammar = new ConstraintGrammar(root, this.trie, [...this.eosTokenIds], this.masks);
      if (this.grammars.size >= MAX_GRAMMARS) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, grammar);
    }
    return { grammar, tools };
  }

  /** Token ids the model sees for a request (chat template applied), as validated by `generate`. */
  promptIds(request: GenerationRequest): number[] {
    const tools = request.toolChoice === 'none' ? undefined : request.tools;
    const ids = request.messages
      ? this.tokenizer.encode(this.tokenizer.renderChat(request.messages, { tools }), { addSpecialTokens: false })
      : this.tokenizer.encode(request.prompt ?? '', { addSpecialTokens: true });
    if (ids.length > 0) return ids;
    if (this.tokenizer.bosTokenId !== undefined) return [this.tokenizer.bosTokenId];
    throw badInput('The prompt is empty and this model has no beginning-of-sequence token to start from.', { parameter: 'prompt' });
  }

  /**
   * Streams one generation: `started`, then `token` events, then `completed`. Bad
   * parameters throw BAD_USER_INPUT here, synchronously, before any work. Work starts
   * when iteration starts; ending the iteration early (break) cancels it like the signal.
   */
  generate(request: GenerationRequest, options: { signal?: AbortSignal; prompt?: PreparedPrompt } = {}): AsyncIterable<GenerationEvent> {
    if (this.closed) throw new TesseraError('SHUTTING_DOWN', 'The text generator is closed.');
    // The prompt is counted before the context check so its message states the real count.
    validateGenerationRequest(request);
    const output = this.outputGrammar(request);
    const promptIds = options.prompt?.ids ?? this.promptIds(request);
    const imageFeatures = options.prompt?.imageFeatures;
    checkContext(this.contextLength, promptIds.length, request.maxTokens);
    const maxTokens = request.maxTokens ?? this.defaultMaxTokens(promptIds.length);
    this.loop.assertRoom();
    const loop = this.loop;
    const tokenizer = this.tokenizer;
    const eosTokenIds = this.eosTokenIds;
    const signal = options.signal;

    return {
      [Symbol.asyncIterator]: async function* () {
        const constraint = output.grammar ? new JsonConstraint(output.grammar) : undefined;
        const sequence = new Sequence({ promptIds, maxTokens, eosTokenIds, request, tokenizer, constraint, toolMode: output.tools });
        const onAbort = () => loop.cancel(sequence);
        if (imageFeatures && !signal?.aborted) await attachImageFeatures(sequence, imageFeatures);
        if (sequence.done) {
          // The vision encoder failed; the sequence has already ended with that error.
        } else if (signal?.aborted) {
          sequence.cancelRequested = true;
          sequence.finishFlushing('CANCELLED');
        } else {
          loop.submit(sequence);
          signal?.addEventListener('abort', onAbort, { once: true });
        }
        try {
          for (;;) {
            const next = await sequence.events.next();
            if (next.done) return;
            yield next.value;
          }
        } finally {
          signal?.removeEventListener('abort', onAbort);
          if (!sequence.done) loop.cancel(sequence);
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.loop.close();
    this.prefixCache.clear();
    await this.session.release();
  }
}
