/**
 * One generation request's state while the decode loop works on it: its tokens, its
 * place in the cache, its sampling chain, and the text and events it has produced. The
 * loop calls `start`, then `accept` once per generated token, and `finish` when it ends
 * it for an outside reason (cancellation, an error, shutdown).
 */
import type { JsonConstraint } from './constraints/json-constraint.js';
import { IncrementalDetokenizer } from './detokenizer.js';
import type { EventSink } from './event-channel.js';
import { applyProcessors, buildProcessors, type LogitsContext, type LogitsProcessor } from './processors/index.js';
import { Sampler } from './sampler.js';
import { StopStringMatcher, tokenStopReason, type StopConditions } from './stopping.js';
import type { TextTokenizer } from './tokenizer.js';
import { newToolCallId, parseToolCalls, type ToolMode } from './tools.js';
import type { FinishReason, GenerationEvent, GenerationRequest, TokenLogprob, ToolCall } from './types.js';

interface HeldToken {
  index: number;
  tokenId: number;
  logprob: number | null;
  top: { tokenId: number; logprob: number }[] | null;
}

export interface SequenceInit {
  promptIds: number[];
  maxTokens: number;
  eosTokenIds: ReadonlySet<number>;
  request: GenerationRequest;
  tokenizer: Pick<TextTokenizer, 'decode' | 'tokenText'>;
  /** This row's structured-output state, when the request has a responseFormat or a forced tool call. */
  constraint?: JsonConstraint;
  toolMode?: ToolMode;
  /** Receives the started, token, tool_call and completed events, in order. */
  events: EventSink<GenerationEvent>;
  now?: () => number;
}

export class Sequence {
  readonly promptIds: readonly number[];
  /** Set before the loop admits the request, once the vision encoder has run. */
  imageFeatures: Float32Array | undefined;
  readonly events: EventSink<GenerationEvent>;
  /** Tokens of this sequence in the batch cache. */
  cacheLength = 0;
  /** The sampled token that the next decode step feeds. */
  lastToken = -1;
  readonly generated: number[] = [];
  /** Set from outside (abort signal, iterator return); the loop acts on it between steps. */
  cancelRequested = false;
  done = false;

  private readonly processors: LogitsProcessor[];
  private readonly sampler: Sampler;
  private readonly wanted: { logprobs: boolean; topLogprobs: number };
  private readonly stop: StopStringMatcher;
  private readonly detokenizer: IncrementalDetokenizer;
  private readonly conditions: StopConditions;
  private readonly seen: Set<number>;
  private readonly counts = new Map<number, number>();
  private readonly context: LogitsContext;
  private readonly tokenizer: Pick<TextTokenizer, 'decode' | 'tokenText'>;
  private readonly now: () => number;
  private readonly constraint: JsonConstraint | undefined;
  private readonly toolMode: ToolMode;
  /** Greedy with nothing that reads or rewrites the logits besides argmax. */
  private readonly plainGreedy: boolean;
  private held: HeldToken[] = [];
  /** The most requests this one was computed together with, itself included. */
  private largestBatch = 0;
  private text = '';
  private readonly submittedAt: number;
  private admittedAt: number | null = null;
  private firstTokenAt: number | null = null;

  constructor(init: SequenceInit) {
    const r = init.request;
    this.now = init.now ?? (() => performance.now());
    this.submittedAt = this.now();
    this.promptIds = init.promptIds;
    this.events = init.events;
    this.imageFeatures = undefined;
    this.tokenizer = init.tokenizer;
    this.processors = buildProcessors(r);
    const greedy = !r.temperature;
    this.sampler = new Sampler({ greedy, seed: r.seed });
    const topLogprobs = r.topLogprobs ?? 0;
    this.wanted = { logprobs: r.logprobs === true || topLogprobs > 0, topLogprobs };
    this.stop = new StopStringMatcher(r.stop ?? []);
    this.detokenizer = new IncrementalDetokenizer(init.tokenizer, init.promptIds);
    this.conditions = { maxTokens: init.maxTokens, eosTokenIds: init.eosTokenIds };
    this.seen = new Set(init.promptIds);
    this.context = { seen: this.seen, generatedCounts: this.counts };
    this.constraint = init.constraint;
    this.toolMode = init.toolMode ?? { kind: 'none' };
    this.plainGreedy = greedy && this.processors.length === 0 && !this.constraint && !this.wanted.logprobs;
  }

  get promptTokens(): number {
    return this.promptIds.length;
  }

  get admitted(): boolean {
    return this.admittedAt !== null;
  }

  /** The request leaves the queue: from here on it holds a batch slot. */
  start(): void {
    this.admittedAt = this.now();
    this.events.push({ type: 'started', promptTokens: this.promptTokens, queueMs: this.admittedAt - this.submittedAt });
  }

  /**
   * Chooses the next token from this row's logits (modified in place) and streams its
   * text. Returns true when the sequence has finished.
   */
  accept(logits: Float32Array): boolean {
    // Plain greedy needs only argmax, which never picks a NaN: the vocabulary is then read once.
    if (!this.plainGreedy) for (let i = 0; i < logits.length; i += 1) if (Number.isNaN(logits[i])) logits[i] = -Infinity;
    const unprocessed = this.constraint && this.processors.length > 0 ? logits.slice() : null;
    applyProcessors(this.processors, logits, this.context);
    this.constraint?.apply(logits, this.conditions.maxTokens - this.generated.length, unprocessed);
    const picked = this.sampler.pick(logits, this.wanted);
    if (picked.tokenId < 0) {
      this.finish('ERROR', { code: 'INFERENCE_FAILED', message: 'The model produced no finite logits.' });
      return true;
    }
    const tokenId = picked.tokenId;
    const index = this.generated.length;
    this.generated.push(tokenId);
    this.seen.add(tokenId);
    this.counts.set(tokenId, (this.counts.get(tokenId) ?? 0) + 1);
    this.lastToken = tokenId;

    const reason = tokenStopReason(tokenId, this.generated.length, this.conditions);
    if (reason === 'STOP') {
      this.finishFlushing('STOP');
      return true;
    }
    this.constraint?.accept(tokenId);
    this.held.push({ index, tokenId, logprob: picked.logprob, top: picked.topLogprobs });
    const piece = this.detokenizer.push(tokenId);
    const { emit, stopped } = this.stop.push(piece ?? '');
    // A complete token without text still gets its own event (id, logprob), unless
    // earlier text is being held for a possible stop string.
    this.emit(emit, piece === '' && !this.stop.holding);
    if (stopped) {
      this.finish('STOP');
      return true;
    }
    // A value that cannot grow, or that is complete when tokens run out, ends here.
    if (this.constraint?.complete && (!this.constraint.open || reason === 'LENGTH')) {
      this.finishFlushing('STOP');
      return true;
    }
    if (reason === 'LENGTH') {
      this.finishFlushing('LENGTH');
      return true;
    }
    return false;
  }

  /** Called for each forward pass this sequence takes part in, with the batch's size. */
  sharedBatch(size: number): void {
    if (size > this.largestBatch) this.largestBatch = size;
  }

  /** Ends the sequence, releasing held-back text unless a stop string ended it. */
  finishFlushing(reason: FinishReason, error?: { code: string; message: string }): void {
    if (this.done) return;
    const { emit, stopped } = this.stop.push(this.detokenizer.flush());
    this.emit(stopped ? emit : emit + this.stop.flush(), true);
    this.finish(stopped ? 'STOP' : reason, stopped ? undefined : error);
  }

  /**
   * Releases the held tokens, each as its own event so every index and token id reaches the
   * client; the text they complete rides on the last of them, the others carry ''.
   */
  private emit(text: string, evenIfEmpty = false): void {
    if ((text.length === 0 && !evenIfEmpty) || this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    this.text += text;
    this.firstTokenAt ??= this.now();
    held.forEach((token, i) => {
      const topLogprobs: TokenLogprob[] | null = token.top
        ? token.top.map((t) => ({ tokenId: t.tokenId, text: this.tokenizer.tokenText(t.tokenId), logprob: t.logprob }))
        : null;
      const logprob = this.wanted.logprobs ? (token.logprob ?? 0) : null;
      this.events.push({ type: 'token', index: token.index, tokenId: token.tokenId, text: i === held.length - 1 ? text : '', logprob, topLogprobs });
    });
  }

  private finish(reason: FinishReason, error?: { code: string; message: string }): void {
    if (this.done) return;
    this.done = true;
    const end = this.now();
    const computeMs = this.admittedAt === null ? 0 : end - this.admittedAt;
    const completionTokens = this.generated.length;
    if (this.admittedAt === null) this.start();
    const structured = reason === 'STOP' ? this.structuredResult() : {};
    structured.calls?.forEach((call, index) => this.events.push({ type: 'tool_call', index, ...call }));
    this.events.push({
      type: 'completed',
      finishReason: structured.calls?.length ? 'TOOL_CALLS' : reason,
      text: this.text,
      ...('json' in structured ? { json: structured.json } : {}),
      usage: { promptTokens: this.promptTokens, completionTokens },
      timings: {
        queueMs: (this.admittedAt ?? end) - this.submittedAt,
        timeToFirstTokenMs: this.firstTokenAt === null ? null : this.firstTokenAt - this.submittedAt,
        tokensPerSecond: completionTokens > 0 && computeMs > 0 ? (completionTokens * 1000) / computeMs : null,
        computeMs,
        batchSize: this.largestBatch > 0 ? this.largestBatch : null,
      },
      ...(error ? { error } : {}),
    });
    this.events.end();
  }

  /** The parsed value of a completed constrained output, or the tool calls in the text. */
  private structuredResult(): { json?: unknown; calls?: ToolCall[] } {
    const withIds = (calls: Omit<ToolCall, 'id'>[]) => calls.map((c) => ({ id: newToolCallId(), ...c }));
    if (this.toolMode.kind === 'forced') {
      return this.constraint?.complete ? { calls: withIds([this.constraint.value() as Omit<ToolCall, 'id'>]) } : {};
    }
    if (this.constraint) return this.constraint.complete ? { json: this.constraint.value() } : {};
    if (this.toolMode.kind === 'auto') return { calls: withIds(parseToolCalls(this.text, this.toolMode.tools)) };
    return {};
  }
}
