/**
 * The prefix cache on a tiny real ONNX language model: a prompt that starts like an
 * earlier one (or an earlier turn and its answer) reuses the earlier keys/values and still gets
 * exactly the greedy tokens a generator without the cache computes, alone or joining a running
 * batch; its memory stays under the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextGenerator } from '../src/inference/generation/index.js';
import { collect, createTestSession } from './fixtures/lm/session.js';
import { writeTinyLm, type TinyLm } from './fixtures/lm/tiny-lm.js';

const SYSTEM = 'You are a terse assistant. Answer in one line, and never apologise for anything at all.\n';
const QUESTIONS = ['What is the sun?', 'Why is the sky blue?', 'Name a red fruit.', 'What is the sun? And the moon?'];

const tokensOf = async (generator: TextGenerator, prompt: string, maxTokens = 12) =>
  (await collect(generator.generate({ prompt, maxTokens }))).tokens.map((t) => t.tokenId);

for (const flavour of ['gpt2', 'llama'] as const) {
  describe(`prefix cache (${flavour} flavour)`, () => {
    let lm: TinyLm;
    let cached: TextGenerator;
    let plain: TextGenerator;

    beforeAll(async () => {
      lm = await writeTinyLm({ flavour });
      cached = await TextGenerator.load(lm.dir, { createSession: createTestSession, maxBatchSize: 8, prefixBlockTokens: 8, prefixCacheBytes: 64 << 20 });
      plain = await TextGenerator.load(lm.dir, { createSession: createTestSession, maxBatchSize: 8, prefixCacheBytes: 0 });
    });
    afterAll(async () => {
      await cached?.close();
      await plain?.close();
      await lm?.cleanup();
    });

    it('gives the same greedy tokens on a hit as without the cache, and counts the reuse', async () => {
      const expected: number[][] = [];
      for (const q of QUESTIONS) expected.push(await tokensOf(plain, SYSTEM + q));
      expect(plain.prefixCacheStats()).toMatchObject({ blocks: 0, hits: 0, bytes: 0 });

      const got: number[][] = [];
      for (const q of QUESTIONS) got.push(await tokensOf(cached, SYSTEM + q));
      // The same prompt again: everything but its last block comes from the cache.
      got.push(await tokensOf(cached, SYSTEM + QUESTIONS[0]));
      expect(got).toEqual([...expected, expected[0]]);

      const stats = cached.prefixCacheStats();
      expect(stats.misses).toBe(1);
      expect(stats.hits).toBe(QUESTIONS.length);
      // Every hit reuses at least the system prompt's whole blocks (its last token may merge with the question's).
      const systemTokens = cached.promptIds({ prompt: SYSTEM }).length;
      expect(stats.reusedTokens).toBeGreaterThanOrEqual(QUESTIONS.length * Math.floor((systemTokens - 1) / 8) * 8);
      expect(stats.bytes).toBe(stats.blocks * 8 * lm.layers * 2 * lm.kvHeads * lm.headDim * (flavour === 'llama' ? 2 : 4));
    });

    it('gives a hit joining a running batch the tokens it gets alone', async () => {
      const alone = await Promise.all(QUESTIONS.map((q) => tokensOf(plain, SYSTEM + q, 20)));
      const hitsBefore = cached.prefixCacheStats().hits;
      const running = tokensOf(cached, 'Something unrelated to start the batch with', 30);
      const joined = await Promise.all(QUESTIONS.map((q) => tokensOf(cached, SYSTEM + q, 20)));
      await running;
      expect(joined).toEqual(alone);
      expect(cached.prefixCacheStats().hits - hitsBefore).toBe(QUESTIONS.length);
      expect(cached.stats.maxRows).toBeGreaterThan(1);
    });
  });
}

describe('prefix cache across chat turns', () => {
  it("keeps a finished turn's answer, so the next turn that repeats it reuses it too", async () => {
    // The llama flavour answers this prompt with tokens that encode back to themselves (the
    // gpt2 one picks a non-canonical split, which rightly never matches a re-encoded prompt).
    const lm = await writeTinyLm({ flavour: 'llama' });
    const cached = await TextGenerator.load(lm.dir, { createSession: createTestSession, prefixBlockTokens: 8, prefixCacheBytes: 64 << 20 });
    const plain = await TextGenerator.load(lm.dir, { createSession: createTestSession, prefixCacheBytes: 0 });
    try {
      const turn = SYSTEM + 'Tell me a story.';
      const first = await collect(cached.generate({ prompt: turn, maxTokens: 20 }));
      const next = `${turn}${first.completed.text} And then?`;
      const answered = [...cached.promptIds({ prompt: turn }), ...first.tokens.map((t) => t.tokenId)];
      expect(cached.promptIds({ prompt: next }).slice(0, answered.length)).toEqual(answered);

      const before = cached.prefixCacheStats().reusedTokens;
      expect(await tokensOf(cached, next)).toEqual(await tokensOf(plain, next));
      // All full blocks of the first turn and its answer (but its last token, never fed).
      expect(cached.prefixCacheStats().reusedTokens - before).toBe(Math.floor((answered.length - 1) / 8) * 8);
    } finally {
      await cached.close();
      await plain.close();
      await lm.cleanup();
    }
  });
});

describe('prefix cache memory', () => {
  it('keeps its bytes under the limit, evicting the least recently used blocks, and empties on close', async () => {
    const lm = await writeTinyLm({ flavour: 'gpt2' });
    const blockBytes = 8 * lm.layers * 2 * lm.kvHeads * lm.headDim * 4;
    const limit = 5 * blockBytes;
    const generator = await TextGenerator.load(lm.dir, { createSession: createTestSession, prefixBlockTokens: 8, prefixCacheBytes: limit });
    try {
      for (let i = 0; i < 6; i += 1) await tokensOf(generator, `${i} ${SYSTEM}`, 2);
      const stats = generator.prefixCacheStats();
      expect(stats.limitBytes).toBe(limit);
      expect(stats.bytes).toBeLessThanOrEqual(limit);
      expect(stats.blocks).toBe(5);
      // The oldest prompt's blocks were evicted: it misses again.
      await tokensOf(generator, `0 ${SYSTEM}`, 2);
      expect(generator.prefixCacheStats().hits).toBe(0);
    } finally {
      await generator.close();
      await lm.cleanup();
    }
    expect(generator.prefixCacheStats()).toMatchObject({ blocks: 0, bytes: 0 });
  });

  it('is off with a limit of 0 bytes', async () => {
    const lm = await writeTinyLm({ flavour: 'gpt2' });
    const generator = await TextGenerator.load(lm.dir, { createSession: createTestSession, prefixCacheBytes: 0 });
    try {
      await tokensOf(generator, SYSTEM, 2);
      await tokensOf(generator, SYSTEM, 2);
      expect(generator.prefixCacheStats()).toMatchObject({ blocks: 0, hits: 0, misses: 0, bytes: 0 });
    } finally {
      await generator.close();
      await lm.cleanup();
    }
  });
});
