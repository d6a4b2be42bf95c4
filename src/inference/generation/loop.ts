/**
 * The single owner of a model's decode state. One async loop per model repeats rounds:
 *   1. rows that finished or were cancelled leave the batch;
 *   2. newly admitted requests are prefilled (prompts of similar length together, left-
 *      padded to the longest) and sample their first token;
 *   3. the cache is rebuilt only if the membership changed (rows right-aligned, padding
 *      trimmed to the longest row);
 *   4. one decode step runs every row, each with its own position id and attention mask,
 *      so a row computes exactly what it would compute alone.
 * Nothing else touches the cache or the rows, so no locking is needed; requests reach
 * the loop only through the batcher and the `cancelRequested` flag.
 */
import { TesseraError } from '../../errors.js';
import type { ContinuousBatcher } from './batcher.js';
import type { DecoderModel, ForwardOutput } from './decoder-model.js';
import { mergeRows, placeRow, type CacheRow, type KvCache } from './kv-cache.js';
import type { PrefixCache, PrefixHit } from './prefix-cache.js';
import type { Sequence } from './sequence.js';
import type { GenerationLogger } from './types.js';

const errorInfo = (error: unknown, fallback: string) =>
  error instanceof TesseraError
    ? { code: error.code, message: error.message }
    : { code: fallback, message: error instanceof Error ? error.message : String(error) };

function hasNaN(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i += 1) if (Number.isNaN(values[i])) return true;
  return false;
}

/**
 * Groups prompts for prefill. Sorted by length, a prompt joins the current group while
 * padding it to the group's longest costs little (each row at most a quarter, or 8 tokens,
 * longer than itself), so a burst of similar prompts is one forward pass instead of many.
 */
export function planPrefill(admitted: readonly Sequence[], padded: boolean): Sequence[][] {
  if (!padded) return admitted.map((s) => [s]);
  const sorted = [...admitted].sort((a, b) => a.promptTokens - b.promptTokens);
  const groups: Sequence[][] = [];
  for (const s of sorted) {
    const current = groups.at(-1);
    if (current && s.promptTokens <= current[0].promptTokens * 1.25 + 8) current.push(s);
    else groups.push([s]);
  }
  return groups;
}

/**
 * Whether finished rows may stay in the batch (computed, their output ignored) instead of
 * rebuilding the cache without them: a rebuild copies every survivor's whole cache, while
 * an idle row costs a sliver of a step whose time goes mostly to reading the weights. They
 * stay until they are more than a quarter of the batch, or until newcomers force a rebuild.
 */
export function keepFinishedRows(rows: number, live: number): boolean {
  return (rows - live) * 4 <= rows;
}

export interface LoopStats {
  steps: number;
  prefills: number;
  rebuilds: number;
  /** Newcomers written into a finished request's row instead of a rebuild. */
  reusedRows: number;
  maxRows: number;
}

/** How long the loop waits for the next request of a burst, and for a whole burst (see gatherBurst). */
const BURST_GAP_MS = 5;
const BURST_WINDOW_MS = 100;
/** How long an announced request (see `expect`) keeps a burst being gathered open. */
const EXPECT_MS = 50;

export class DecodeLoop {
  private rows: Sequence[] = [];
  private cache: KvCache | null = null;
  private wakeUp: (() => void) | null = null;
  private stopping = false;
  /** Cleared if a padded prefill ever yields NaN on this model. */
  private paddedPrefill = true;
  /** Requests announced by `expect` and not submitted yet, and until when the last announcement counts. */
  private expected = 0;
  private expectedUntil = 0;
  private readonly done: Promise<void>;
  readonly stats: LoopStats = { steps: 0, prefills: 0, rebuilds: 0, reusedRows: 0, maxRows: 0 };

  constructor(
    private readonly model: DecoderModel,
    private readonly batcher: ContinuousBatcher,
    private readonly logger?: GenerationLogger,
    private readonly prefixes?: PrefixCache,
    /** Positions the graph takes; a cache kept untrimmed must stay within them. */
    private readonly contextLength = Infinity,
  ) {
    this.done = this.run();
  }

  /**
   * A request was validated for this loop and is on its way (the server writes its row first):
   * a burst being gathered waits for it, however long the server's thread takes between
   * requests. A hint only: one that never comes holds a burst open for EXPECT_MS at most.
   */
  expect(): void {
    this.expected += 1;
    this.expectedUntil = performance.now() + EXPECT_MS;
  }

  submit(sequence: Sequence): void {
    if (this.stopping) throw new TesseraError('SHUTTING_DOWN', 'The text generator is closing.');
    if (this.expected > 0) this.expected -= 1;
    this.batcher.enqueue(sequence);
    this.wake();
  }

  /** Throws OVERLOADED when no more requests may wait. */
  assertRoom(): void {
    if (this.stopping) throw new TesseraError('SHUTTING_DOWN', 'The text generator is closing.');
    this.batcher.assertRoom();
  }

  /** Marks a request cancelled; a queued one ends now, a running one at the next step boundary. */
  cancel(sequence: Sequence): void {
    if (sequence.done) return;
    sequence.cancelRequested = true;
    if (!sequence.admitted && this.batcher.remove(sequence)) sequence.finishFlushing('CANCELLED');
    this.wake();
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const s of this.batcher.drain()) s.finishFlushing('CANCELLED', { code: 'SHUTTING_DOWN', message: 'The text generator closed.' });
    this.wake();
    await this.done;
  }

  private wake(): void {
    const resolve = this.wakeUp;
    this.wakeUp = null;
    resolve?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.round();
      } catch (error) {
        // A bug in a round must not kill the model's only loop: fail the rows, keep serving.
        this.logger?.error?.({ err: error }, 'text generation round failed');
        this.failRows(error, 'INTERNAL_SERVER_ERROR');
      }
      if (this.rows.length === 0 && this.batcher.pending === 0 && !this.stopping) {
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
        });
        await this.gatherBurst();
      }
    }
    for (const s of this.rows) s.finishFlushing('CANCELLED', { code: 'SHUTTING_DOWN', message: 'The text generator closed.' });
    this.rows = [];
    this.cache?.dispose();
    this.cache = null;
  }

  /**
   * Woken from idle: requests that come together (clients of a burst, each on its own socket,
   * each prepared on the server's thread in turn) reach this loop one message each, a few
   * milliseconds apart. Admitting the first one alone would start a prefill that every later one
   * waits behind and then joins with a prefill of its own, and leaves them to finish one group
   * after another. So the loop waits while they keep coming: one event-loop turn always, then
   * `BURST_GAP_MS` more for as long as each wait brought a new request or one was announced
   * (`expect`) and has not come yet, at most `BURST_WINDOW_MS` in all. A lone request starts one
   * gap later. The announcements matter on a busy machine: writing a request's row can take the
   * server's thread longer than a gap, and a burst split there leaves most of it waiting behind
   * a prefill of its first request.
   */
  private async gatherBurst(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const deadline = performance.now() + BURST_WINDOW_MS;
    let seen = this.batcher.pending;
    while (!this.stopping && seen > 0 && seen < this.batcher.limits.maxBatchSize && performance.now() + BURST_GAP_MS <= deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, BURST_GAP_MS));
      if (this.expected > 0 && performance.now() >= this.expectedUntil) this.expected = 0;
      if (this.batcher.pending === seen && this.expected === 0) return;
      seen = this.batcher.pending;
    }
  }

  private async round(): Promise<void> {
    const joiners = await this.prefill(this.batcher.admit(this.liveRows().length));
    this.reshape(joiners);
    if (this.rows.length > 0) await this.step();
  }

  /** Rows still generating; cancelled ones are ended here, at a step boundary. */
  private liveRows(): Sequence[] {
    return this.rows.filter((s) => {
      if (!s.done && s.cancelRequested) s.finishFlushing('CANCELLED');
      return !s.done;
    });
  }

  private async prefill(admitted: Sequence[]): Promise<(CacheRow & { sequence: Sequence })[]> {
    for (const s of admitted) s.start();
    const joiners: (CacheRow & { sequence: Sequence })[] = [];
    // A prompt whose start is cached computes only the rest, alone; the others are grouped.
    const fresh: Sequence[] = [];
    for (const s of admitted) {
      const hit = this.prefixes?.lookup(s.promptIds);
      if (hit) joiners.push(...(await this.prefillGroup([s], hit)));
      else fresh.push(s);
    }
    for (const group of planPrefill(fresh, this.paddedPrefill)) {
      for (const s of group) s.sharedBatch(group.length);
      const result = await this.runPrefill(group);
      if (!result) continue;
      if (group.length > 1 && hasNaN(result.logits)) {
        // The graph's mask turns fully padded rows into NaN (an -inf mask): padded
        // prefill is unsafe for this model, so redo these prompts one by one.
        this.logger?.warn?.({}, 'padded prefill produced NaN; prefilling prompts separately from now on');
        this.paddedPrefill = false;
        result.present.dispose();
        for (const s of group) joiners.push(...(await this.prefillGroup([s])));
        continue;
      }
      joiners.push(...this.acceptPrefill(group, result));
    }
    return joiners;
  }

  private async prefillGroup(group: Sequence[], prefix?: PrefixHit): Promise<(CacheRow & { sequence: Sequence })[]> {
    const result = await this.runPrefill(group, prefix);
    return result ? this.acceptPrefill(group, result) : [];
  }

  /**
   * One forward pass over the group's prompts, left-padded to the longest; with a cached
   * prefix (a group of one), over the tokens after it.
   */
  private async runPrefill(group: Sequence[], prefix?: PrefixHit): Promise<ForwardOutput | null> {
    const skip = prefix?.tokens ?? 0;
    const width = Math.max(...group.map((s) => s.promptTokens)) - skip;
    const tokens: number[] = [];
    const positions: number[] = [];
    for (const s of group) {
      const pad = width + skip - s.promptTokens;
      for (let i = 0; i < width; i += 1) {
        tokens.push(i < pad ? s.promptIds[0] : s.promptIds[skip + i - pad]);
        positions.push(i < pad ? 0 : skip + i - pad);
      }
    }
    const past = prefix?.cache ?? this.model.emptyCache(group.length);
    try {
      this.stats.prefills += 1;
      return await this.model.forward({
        batch: group.length,
        seqLen: width,
        tokens,
        positions,
        validLengths: group.map((s) => s.promptTokens),
        past,
        imageFeatures: group.map((s) => s.imageFeatures),
      });
    } catch (error) {
      this.logger?.error?.({ err: error, batch: group.length, tokens: width }, 'prefill failed');
      for (const s of group) s.finishFlushing('ERROR', errorInfo(error, 'INFERENCE_FAILED'));
      return null;
    } finally {
      past.dispose();
    }
  }

  /** Samples each prompt's first token; the rows that go on join the batch. */
  private acceptPrefill(group: Sequence[], { logits, vocab, present }: ForwardOutput): (CacheRow & { sequence: Sequence })[] {
    const joiners: (CacheRow & { sequence: Sequence })[] = [];
    group.forEach((s, row) => this.prefixes?.store(s.promptIds, { cache: present, row, length: s.promptTokens }));
    group.forEach((s, row) => {
      s.cacheLength = s.promptTokens;
      if (s.cancelRequested) {
        s.finishFlushing('CANCELLED');
        return;
      }
      if (this.accept(s, logits.subarray(row * vocab, (row + 1) * vocab))) return;
      joiners.push({ sequence: s, cache: present, row, length: s.promptTokens });
    });
    if (joiners.length === 0) present.dispose();
    return joiners;
  }

  private reshape(joiners: (CacheRow & { sequence?: Sequence })[]): void {
    const survivors = this.liveRows();
    if (joiners.length === 0 && survivors.length > 0 && this.untrimmedFits() && keepFinishedRows(this.rows.length, survivors.length)) return;
    if (this.placeInFinishedRows(joiners, survivors.length)) return;
    const entries: CacheRow[] = survivors.map((s) => ({ cache: this.cache!, row: this.rows.indexOf(s), length: s.cacheLength }));
    entries.push(...joiners);
    const sources = new Set(entries.map((e) => e.cache));
    if (this.cache) sources.add(this.cache);
    const merged = entries.length > 0 ? mergeRows(entries) : null;
    for (const c of sources) if (c !== merged) c.dispose();
    if (merged && !sources.has(merged)) this.stats.rebuilds += 1;
    this.cache = merged;
    this.rows = [...survivors, ...joiners.map((j) => j.sequence!)];
    this.stats.maxRows = Math.max(this.stats.maxRows, this.rows.length);
  }

  /**
   * Newcomers take the rows of finished requests when there are enough of them and every
   * newcomer fits in the cache's length; false when the batch must be rebuilt instead. Only
   * a graph with an attention mask and position ids can hide the stale positions before a
   * newcomer and number its own from zero.
   */
  private placeInFinishedRows(joiners: (CacheRow & { sequence?: Sequence })[], live: number): boolean {
    const cache = this.cache;
    const { attentionMask, positionIds } = this.model.signature;
    const free = this.rows.flatMap((s, i) => (s.done ? [i] : []));
    if (!cache || !attentionMask || !positionIds || !this.untrimmedFits() || joiners.length === 0 || joiners.length > free.length) return false;
    if (!joiners.every((j) => j.length <= cache.length) || !keepFinishedRows(this.rows.length, live + joiners.length)) return false;
    joiners.forEach((j, k) => {
      placeRow(cache, free[k], j);
      this.rows[free[k]] = j.sequence!;
    });
    for (const source of new Set(joiners.map((j) => j.cache))) source.dispose();
    this.stats.reusedRows += joiners.length;
    return true;
  }

  /**
   * Whether the cache may go on without trimming: a finished row can be its longest, and some
   * exports cannot attend over more keys than their context (a fixed causal-mask buffer).
   */
  private untrimmedFits(): boolean {
    return this.cache !== null && this.cache.length + 1 <= this.contextLength;
  }

  private async step(): Promise<void> {
    const rows = this.rows;
    const past = this.cache!;
    const live = rows.reduce((n, s) => (s.done ? n : n + 1), 0);
    for (const s of rows) if (!s.done) s.sharedBatch(live);
    let result;
    try {
      this.stats.steps += 1;
      result = await this.model.forward({
        batch: rows.length,
        seqLen: 1,
        // A finished row still in place is fed position 0, always valid; its output is ignored.
        tokens: rows.map((s) => s.lastToken),
        positions: rows.map((s) => (s.done ? 0 : s.cacheLength)),
        validLengths: rows.map((s) => s.cacheLength + 1),
        past,
      });
    } catch (error) {
      this.logger?.error?.({ err: error, batch: rows.length }, 'decode step failed');
      this.failRows(error, 'INFERENCE_FAILED');
      return;
    }
    past.dispose();
    this.cache = result.present;
    const { logits, vocab } = result;
    rows.forEach((s, row) => {
      s.cacheLength += 1;
      if (s.done) return;
      if (s.cancelRequested) {
        s.finishFlushing('CANCELLED');
        return;
      }
      if (this.accept(s, logits.subarray(row * vocab, (row + 1) * vocab))) this.keepTurn(s, row);
    });
  }

  /**
   * A finished request's prompt and answer, as far as the cache holds them (its last token was
   * never fed), are kept for the next chat turn, whose prompt repeats them.
   */
  private keepTurn(s: Sequence, row: number): void {
    if (!this.prefixes || s.generated.length < 2) return;
    const ids = [...s.promptIds, ...s.generated.slice(0, -1)];
    this.prefixes.store(ids, { cache: this.cache!, row, length: s.cacheLength });
  }

  /** Samples one token for a row; a failure ends only that request. */
  private accept(s: Sequence, logits: Float32Array): boolean {
    try {
      return s.accept(logits);
    } catch (error) {
      this.logger?.error?.({ err: error }, 'sampling failed');
      s.finishFlushing('ERROR', errorInfo(error, 'INTERNAL_SERVER_ERROR'));
      return true;
    }
  }

  private failRows(error: unknown, code: string): void {
    for (const s of this.rows) s.finishFlushing('ERROR', errorInfo(error, code));
    this.rows = [];
    this.cache?.dispose();
    this.cache = null;
  }
}
