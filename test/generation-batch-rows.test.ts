/**
 * Rows leaving a running batch: a cancelled row ends within one decode step and its slot
 * goes to a waiting request, while finished rows left in place (rather than rebuilding the
 * cache) change no other row's greedy tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextGenerator } from '../src/inference/generation/index.js';
import { keepFinishedRows } from '../src/inference/generation/loop.js';
import { collect, createTestSession } from './fixtures/lm/session.js';
import { writeTinyLm, type TinyLm } from './fixtures/lm/tiny-lm.js';

const ids = (run: Awaited<ReturnType<typeof collect>>) => run.tokens.map((t) => t.tokenId);

describe('rows leaving a batch', () => {
  let lm: TinyLm;
  let generator: TextGenerator;

  beforeAll(async () => {
    lm = await writeTinyLm({ flavour: 'gpt2' });
    generator = await TextGenerator.load(lm.dir, { createSession: createTestSession, maxBatchSize: 3, prefixCacheBytes: 0 });
  });
  afterAll(async () => {
    await generator?.close();
    await lm?.cleanup();
  });

  it('ends a cancelled row within one step, gives its slot to a waiting request, and leaves the others their tokens', async () => {
    const requests = [
      { prompt: ' the cat', maxTokens: 30 },
      { prompt: ' a dog sat on the mat', maxTokens: 24 },
      { prompt: ' hello world', maxTokens: 12 },
    ];
    const alone = [];
    for (const r of requests) alone.push(ids(await collect(generator.generate(r))));

    const controller = new AbortController();
    let cancelledAt = 0;
    const cancelled = (async () => {
      let tokens = 0;
      for await (const e of generator.generate({ prompt: ' of', maxTokens: 100 }, { signal: controller.signal })) {
        if (e.type === 'token' && ++tokens === 2) {
          cancelledAt = tokens;
          controller.abort();
        }
        if (e.type === 'completed') return e;
      }
      throw new Error('no completed event');
    })();
    const running = requests.slice(0, 2).map((r) => collect(generator.generate(r)));
    // The third slot is the cancelled request's: this one waits for it.
    const waiting = collect(generator.generate(requests[2]));

    const end = await cancelled;
    expect(end.finishReason).toBe('CANCELLED');
    expect(end.usage.completionTokens).toBeLessThanOrEqual(cancelledAt + 1);
    const [a, b, c] = await Promise.all([...running, waiting]);
    expect([ids(a), ids(b), ids(c)]).toEqual(alone);
    expect(c.completed.timings.batchSize).toBeLessThanOrEqual(3);
    expect(generator.stats.maxRows).toBe(3);
  });

  it("writes a newcomer into a finished request's row, and every row keeps the tokens it gets alone", async () => {
    const wide = await TextGenerator.load(lm.dir, { createSession: createTestSession, maxBatchSize: 4, prefixCacheBytes: 0 });
    try {
      const first = [
        { prompt: ' of', maxTokens: 5 },
        { prompt: ' a dog sat on the mat', maxTokens: 30 },
        { prompt: ' the cat', maxTokens: 30 },
        { prompt: ' hello world', maxTokens: 30 },
      ];
      const newcomer = { prompt: ' the dog', maxTokens: 12 };
      const alone = [];
      for (const r of [...first, newcomer]) alone.push(ids(await collect(wide.generate(r))));
      const before = { ...wide.stats };

      // The newcomer is submitted when the shortest request ends; its row is still in the batch.
      const short = collect(wide.generate(first[0]));
      const long = first.slice(1).map((r) => collect(wide.generate(r)));
      const late = short.then(() => collect(wide.generate(newcomer)));
      const got = await Promise.all([short, ...long, late]);
      expect(got.map(ids)).toEqual(alone);
      expect(wide.stats.reusedRows - before.reusedRows).toBe(1);
      expect(wide.stats.maxRows).toBe(4);
    } finally {
      await wide.close();
    }
  });

  it('never writes a newcomer into a finished row of a graph without mask and position ids', async () => {
    const legacy = await writeTinyLm({ flavour: 'legacy' });
    const serial = await TextGenerator.load(legacy.dir, { createSession: createTestSession, prefixCacheBytes: 0 });
    try {
      const requests = [
        { prompt: ' a dog sat on the mat', maxTokens: 8 },
        { prompt: ' of', maxTokens: 8 },
      ];
      const alone = [];
      for (const r of requests) alone.push(ids(await collect(serial.generate(r))));
      // One slot: the second waits and is admitted in the round right after the first ends.
      const together = await Promise.all(requests.map((r) => collect(serial.generate(r))));
      expect(together.map(ids)).toEqual(alone);
      expect(serial.stats.reusedRows).toBe(0);
    } finally {
      await serial.close();
      await legacy.cleanup();
    }
  });

  it('keeps finished rows in place only while they are at most a quarter of the batch', () => {
    expect(keepFinishedRows(8, 6)).toBe(true);
    expect(keepFinishedRows(8, 5)).toBe(false);
    expect(keepFinishedRows(2, 1)).toBe(false);
    expect(keepFinishedRows(4, 4)).toBe(true);
  });
});
