/**
 * The generation engine's parts on hand-computed inputs: each logits processor, the
 * sampler and its seeded generator, stop-string matching, incremental detokenisation,
 * and how a sequence turns tokens into events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IncrementalDetokenizer,
  MinP,
  PresenceFrequencyPenalty,
  RepetitionPenalty,
  Sampler,
  SeededRandom,
  StopStringMatcher,
  Temperature,
  TextTokenizer,
  TopK,
  TopP,
  buildProcessors,
  validateGenerationRequest,
} from '../src/inference/generation/index.js';
import { ContinuousBatcher } from '../src/inference/generation/batcher.js';
import { planPrefill } from '../src/inference/generation/loop.js';
import { Sequence } from '../src/inference/generation/sequence.js';
import { EventChannel } from '../src/inference/generation/event-channel.js';
import type { GenerationEvent, GenerationRequest } from '../src/inference/generation/types.js';
import { writeTinyLm, type TinyLm } from './fixtures/lm/tiny-lm.js';

const NO_CONTEXT = { seen: new Set<number>(), generatedCounts: new Map<number, number>() };
const f32 = (values: number[]) => Float32Array.from(values);
const NEG = -Infinity;

describe('logits processors', () => {
  it('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const logits = f32([2, -1, 0.5, 3]);
    new RepetitionPenalty(2).apply(logits, { seen: new Set([0, 1]), generatedCounts: new Map() });
    expect(Array.from(logits)).toEqual([1, -2, 0.5, 3]);
  });

  it('presence and frequency penalties subtract per generated token', () => {
    const logits = f32([1, 1, 1, 1]);
    new PresenceFrequencyPenalty(0.5, 0.25).apply(logits, { seen: new Set([0, 2, 3]), generatedCounts: new Map([[2, 2], [3, 1]]) });
    expect(Array.from(logits)).toEqual([1, 1, 0, 0.25]);
  });

  it('temperature divides the logits', () => {
    const logits = f32([1, -2, 0]);
    new Temperature(0.5).apply(logits);
    expect(Array.from(logits)).toEqual([2, -4, 0]);
  });

  it('top-k keeps the k largest (and ties with the k-th)', () => {
    const a = f32([1, 3, 2, 0]);
    new TopK(2).apply(a);
    expect(Array.from(a)).toEqual([NEG, 3, 2, NEG]);
    const ties = f32([1, 2, 2, 0]);
    new TopK(1).apply(ties);
    expect(Array.from(ties)).toEqual([NEG, 2, 2, NEG]);
    const wide = f32([1, 2]);
    new TopK(5).apply(wide);
    expect(Array.from(wide)).toEqual([1, 2]);
  });

  it('top-p keeps the most likely tokens until their mass reaches p', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const run = (p: number) => {
      const logits = f32(probs.map(Math.log));
      new TopP(p).apply(logits);
      return Array.from(logits, (v) => v > NEG);
    };
    expect(run(0.45)).toEqual([true, false, false, false]);
    expect(run(0.7)).toEqual([true, true, false, false]);
    expect(run(0.85)).toEqual([true, true, true, false]);
    expect(run(1)).toEqual([true, true, true, true]);
  });

  it('top-p widens its search beyond the first 64 candidates on flat distributions', () => {
    const logits = new Float32Array(1000);
    new TopP(0.5005).apply(logits);
    const kept = Array.from(logits).filter((v) => v > NEG).length;
    expect(kept).toBe(501);
    expect(logits[0]).toBe(0);
    expect(logits[999]).toBe(NEG);
  });

  it('min-p removes tokens below minP times the top probability', () => {
    const logits = f32([0.5, 0.3, 0.09, 0.11].map(Math.log));
    new MinP(0.2).apply(logits);
    expect(Array.from(logits, (v) => v > NEG)).toEqual([true, true, false, true]);
  });

  it('builds only the rules a request turns on, in the documented order', () => {
    expect(buildProcessors({})).toEqual([]);
    expect(buildProcessors({ temperature: 1, topP: 1, repetitionPenalty: 1, minP: 0, topK: 0 })).toEqual([]);
    const chain = buildProcessors({ minP: 0.1, topP: 0.9, topK: 5, temperature: 0.7, frequencyPenalty: 0.1, repetitionPenalty: 1.1 });
    expect(chain.map((p) => p.constructor.name)).toEqual(['RepetitionPenalty', 'PresenceFrequencyPenalty', 'Temperature', 'TopK', 'TopP', 'MinP']);
  });
});

describe('sampler', () => {
  it('greedy takes the largest logit, the lowest index on ties', () => {
    const sampler = new Sampler({ greedy: true });
    expect(sampler.pick(f32([0, 2, 2, 1]), { logprobs: false, topLogprobs: 0 }).tokenId).toBe(1);
  });

  it('reports the log-softmax of the chosen token and the top alternatives', () => {
    const picked = new Sampler({ greedy: true }).pick(f32([Math.log(0.2), Math.log(0.5), Math.log(0.3)]), { logprobs: true, topLogprobs: 2 });
    expect(picked.tokenId).toBe(1);
    expect(picked.logprob).toBeCloseTo(Math.log(0.5), 6);
    expect(picked.topLogprobs!.map((t) => t.tokenId)).toEqual([1, 2]);
    expect(picked.topLogprobs![1].logprob).toBeCloseTo(Math.log(0.3), 6);
  });

  it('draws in proportion to the probabilities, reproducibly per seed', () => {
    const logits = f32([Math.log(0.7), Math.log(0.2), Math.log(0.1), NEG]);
    const draw = (seed: number) => {
      const sampler = new Sampler({ greedy: false, seed });
      return Array.from({ length: 20000 }, () => sampler.pick(logits, { logprobs: false, topLogprobs: 0 }).tokenId);
    };
    const a = draw(42);
    expect(draw(42)).toEqual(a);
    expect(draw(43)).not.toEqual(a);
    const share = (id: number) => a.filter((t) => t === id).length / a.length;
    expect(share(0)).toBeCloseTo(0.7, 1);
    expect(share(1)).toBeCloseTo(0.2, 1);
    expect(share(2)).toBeCloseTo(0.1, 1);
    expect(share(3)).toBe(0);
  });

  it('seeded generator gives [0, 1) numbers and distinct streams for large seeds', () => {
    const r = new SeededRandom(2 ** 40 + 5);
    const values = Array.from({ length: 1000 }, () => r.next());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const other = new SeededRandom(5);
    expect(other.next()).not.toBe(values[0]);
  });

  it('returns -1 when every token was filtered out', () => {
    expect(new Sampler({ greedy: true }).pick(f32([NEG, NEG]), { logprobs: false, topLogprobs: 0 }).tokenId).toBe(-1);
    expect(new Sampler({ greedy: false, seed: 1 }).pick(f32([NEG, NEG]), { logprobs: false, topLogprobs: 0 }).tokenId).toBe(-1);
  });
});

describe('stop strings', () => {
  it('holds back a possible start of a stop string and drops the match', () => {
    const m = new StopStringMatcher(['END']);
    expect(m.push('abc E')).toEqual({ emit: 'abc ', stopped: false });
    expect(m.push('N')).toEqual({ emit: '', stopped: false });
    expect(m.push('Dxyz')).toEqual({ emit: '', stopped: true });
  });

  it('releases held text once it can no longer match', () => {
    const m = new StopStringMatcher(['END']);
    expect(m.push('E')).toEqual({ emit: '', stopped: false });
    expect(m.push('x')).toEqual({ emit: 'Ex', stopped: false });
    expect(m.push('EN')).toEqual({ emit: '', stopped: false });
    expect(m.flush()).toBe('EN');
  });

  it('cuts at the earliest match among several stop strings', () => {
    const m = new StopStringMatcher(['bc', 'abcd']);
    expect(m.push('xabcd')).toEqual({ emit: 'x', stopped: true });
  });

  it('passes everything through without stop strings', () => {
    expect(new StopStringMatcher([]).push('abc')).toEqual({ emit: 'abc', stopped: false });
  });
});

describe('validation', () => {
  it('accepts a full valid request', () => {
    const request: GenerationRequest = {
      prompt: 'x', maxTokens: 10, temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1,
      presencePenalty: 0.5, frequencyPenalty: -0.5, seed: 3, stop: ['\n'], logprobs: true, topLogprobs: 20,
    };
    expect(() => validateGenerationRequest(request, { contextLength: 64, promptTokens: 54 })).not.toThrow();
  });

  it('rejects a prompt plus maxTokens beyond the context', () => {
    expect(() => validateGenerationRequest({ prompt: 'x', maxTokens: 11 }, { contextLength: 64, promptTokens: 54 })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
  });
});

describe('admission', () => {
  const bare = { decode: () => '', tokenText: () => '' };
  const sequence = (promptTokens: number) =>
    new Sequence({ events: new EventChannel<GenerationEvent>(), promptIds: Array.from({ length: promptTokens }, (_, i) => i), maxTokens: 4, eosTokenIds: new Set(), request: { prompt: 'x' }, tokenizer: bare });

  it('admits in order while slots are free and the round stays within the token budget', () => {
    const batcher = new ContinuousBatcher({ maxBatchSize: 4, tokenBudget: 10, maxQueue: 8 });
    const queued = [sequence(5), sequence(5), sequence(3)];
    queued.forEach((s) => batcher.enqueue(s));
    expect(batcher.admit(2)).toEqual([queued[0]]);
    expect(batcher.admit(3)).toEqual([queued[1]]);
    expect(batcher.admit(3)).toEqual([queued[2]]);
  });

  it('always admits one request when a slot is free, even over the budget', () => {
    const batcher = new ContinuousBatcher({ maxBatchSize: 4, tokenBudget: 10, maxQueue: 8 });
    const big = sequence(50);
    batcher.enqueue(big);
    expect(batcher.admit(3)).toEqual([big]);
  });

  it('admits nothing while every slot is busy, and skips cancelled requests', () => {
    const batcher = new ContinuousBatcher({ maxBatchSize: 2, tokenBudget: 100, maxQueue: 8 });
    const [a, b] = [sequence(2), sequence(2)];
    batcher.enqueue(a);
    batcher.enqueue(b);
    expect(batcher.admit(2)).toEqual([]);
    a.cancelRequested = true;
    expect(batcher.admit(1)).toEqual([b]);
    expect(a.done).toBe(true);
  });

  it('refuses to queue beyond maxQueue with OVERLOADED', () => {
    const batcher = new ContinuousBatcher({ maxBatchSize: 1, tokenBudget: 100, maxQueue: 1 });
    batcher.enqueue(sequence(1));
    expect(() => batcher.enqueue(sequence(1))).toThrow(expect.objectContaining({ code: 'OVERLOADED' }));
  });

  it('groups similar prompt lengths for one padded prefill', () => {
    const seqs = [sequence(3), sequence(40), sequence(5), sequence(45), sequence(100)];
    const groups = planPrefill(seqs, true).map((g) => g.map((s) => s.promptTokens));
    expect(groups).toEqual([[3, 5], [40, 45], [100]]);
    expect(planPrefill(seqs, false)).toHaveLength(5);
  });
});

describe('with the fixture tokenizer', () => {
  let lm: TinyLm;
  let tokenizer: TextTokenizer;

  beforeAll(async () => {
    lm = await writeTinyLm();
    tokenizer = await TextTokenizer.load(lm.dir);
  });
  afterAll(() => lm.cleanup());

  it('never emits U+FFFD for multi-byte characters split over tokens', () => {
    const text = ' I like café, 日本語 and ü — ok 🎉';
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    expect(ids.length).toBeGreaterThan(Array.from(text).length - 5);
    const detokenizer = new IncrementalDetokenizer(tokenizer, tokenizer.encode(' the', { addSpecialTokens: false }));
    const pieces = ids.map((id) => detokenizer.push(id));
    pieces.push(detokenizer.flush());
    for (const p of pieces) expect(p ?? '').not.toContain('\uFFFD');
    expect(pieces.join('')).toBe(text);
    expect(pieces.filter((p) => p === null).length).toBeGreaterThan(0);
    const bare = new IncrementalDetokenizer(tokenizer);
    expect([...ids.map((id) => bare.push(id)), bare.flush()].join('')).toBe(text);
  });

  it('exposes the special tokens of tokenizer_config.json', () => {
    expect(tokenizer.eosToken).toBe('<|endoftext|>');
    expect(tokenizer.eosTokenId).toBe(lm.tokenizer.endOfTextId);
    expect(tokenizer.hasChatTemplate).toBe(true);
  });

  it('rejects a conversation the template raises on with BAD_USER_INPUT', async () => {
    const { writeFile, readFile } = await import('node:fs/promises');
    const file = `${lm.dir}/tokenizer_config.json`;
    const config = JSON.parse(await readFile(file, 'utf8'));
    config.chat_template = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}ok";
    await writeFile(file, JSON.stringify(config));
    const strict = await TextTokenizer.load(lm.dir);
    expect(strict.renderChat([{ role: 'user', content: 'x' }])).toBe('ok');
    expect(() => strict.renderChat([{ role: 'assistant', content: 'x' }])).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  /** Feeds a sequence logits that force the given tokens, and returns its events. */
  async function force(ids: number[], request: GenerationRequest, maxTokens = ids.length) {
    const channel = new EventChannel<GenerationEvent>();
    const sequence = new Sequence({ events: channel, promptIds: [lm.tokenizer.vocab.get('Ġthe')!], maxTokens, eosTokenIds: new Set([lm.tokenizer.endOfTextId]), request, tokenizer });
    sequence.start();
    for (const id of ids) {
      const logits = new Float32Array(lm.tokenizer.vocabSize);
      logits[id] = 5;
      if (sequence.accept(logits)) break;
    }
    expect(sequence.done).toBe(true);
    const events: GenerationEvent[] = [];
    for (let next = await channel.next(); !next.done; next = await channel.next()) events.push(next.value);
    return events;
  }

  it('gives every token of a multi-byte character its event; the text rides on the one that completes it', async () => {
    const ids = tokenizer.encode(' 日本', { addSpecialTokens: false });
    expect(ids).toHaveLength(7);
    const events = await force(ids, { prompt: 'x', logprobs: true });
    const tokens = events.filter((e) => e.type === 'token');
    // Issue 11: the tokens inside a character used to be merged into the one completing it.
    expect(tokens.map((t) => [t.index, t.tokenId, t.text])).toEqual(ids.map((id, i) => [i, id, i === 0 ? ' ' : i === 3 ? '日' : i === 6 ? '本' : '']));
    const one = 5 - Math.log(Math.exp(5) + lm.tokenizer.vocabSize - 1);
    for (const token of tokens) expect(token.logprob).toBeCloseTo(one, 5);
    const completed = events.at(-1)!;
    expect(completed.type === 'completed' && completed.text).toBe(' 日本');
    expect(completed.type === 'completed' && completed.finishReason).toBe('LENGTH');
  });

  it('releases a held partial stop match when the length limit ends the stream', async () => {
    const ids = tokenizer.encode(' the cat Z', { addSpecialTokens: false });
    const events = await force(ids, { prompt: 'x', stop: ['ZZZ'] });
    const tokens = events.filter((e) => e.type === 'token');
    expect(tokens.map((t) => t.text).join('')).toBe(' the cat Z');
    expect(tokens.at(-1)!.text).toBe('Z');
    expect(tokens.at(-1)!.index).toBe(ids.length - 1);
  });

  it('gives a token without text (a special token) its own empty event', async () => {
    const ids = [...tokenizer.encode(' the', { addSpecialTokens: false }), lm.tokenizer.imStartId, ...tokenizer.encode(' cat', { addSpecialTokens: false })];
    const events = await force(ids, { prompt: 'x', logprobs: true });
    const tokens = events.filter((e) => e.type === 'token');
    expect(tokens.map((t) => [t.index, t.tokenId, t.text])).toEqual([[0, ids[0], ' the'], [1, lm.tokenizer.imStartId, ''], [2, ids[2], ' cat']]);
    expect(tokens[1].logprob).not.toBeNull();
  });

  it('ends with STOP on an end-of-sequence token without emitting it', async () => {
    const ids = [...tokenizer.encode(' the cat', { addSpecialTokens: false }), lm.tokenizer.endOfTextId, 65];
    const events = await force(ids, { prompt: 'x' }, 10);
    const completed = events.at(-1)!;
    expect(completed.type === 'completed' && completed.finishReason).toBe('STOP');
    expect(completed.type === 'completed' && completed.text).toBe(' the cat');
    expect(completed.type === 'completed' && completed.usage.completionTokens).toBe(3);
  });
});
