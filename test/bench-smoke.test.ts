/**
 * The bench's own machinery: the statistics it reports, the interleaving that keeps
 * compared variants fair, the markdown it writes, and the helpers that build its model
 * repositories and drive the engine. Timing figures themselves are never asserted.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { engineContender } from '../bench/lib/generation.js';
import { renderMarkdown, renderText } from '../bench/lib/report.js';
import { lmRepository, removeDir, repoRoot } from '../bench/lib/setup.js';
import { interleave, percentile, rotated, summarize, within } from '../bench/lib/stats.js';
import { burst, openProbeEngine, probeRepository } from '../bench/suites/batching.js';

const options = { quick: true, threads: 1, gpt2Small: null };
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of measured values', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 100)).toBe(20);
    expect(percentile([7], 95)).toBe(7);
    const s = summarize([3, 1, 2]);
    expect(s).toMatchObject({ n: 3, p50: 2, min: 1, max: 3, mean: 2 });
    expect(Number.isNaN(summarize([]).p50)).toBe(true);
  });

  it('interleaves variants with a rotating start and equal sample counts', async () => {
    const order: string[] = [];
    const samples = await interleave(['a', 'b', 'c'], { rounds: 3, budgetMs: 60_000 }, async (v, round) => {
      order.push(v);
      return round;
    });
    expect(order).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    expect(samples.get('a')).toEqual([0, 1, 2]);
    expect(rotated([1, 2, 3], 4)).toEqual([2, 3, 1]);
  });

  it('stops starting rounds once the budget is spent, after the minimum', async () => {
    const samples = await interleave(['a', 'b'], { rounds: 100, minRounds: 2, budgetMs: 0 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return 1;
    });
    expect(samples.get('a')).toHaveLength(2);
    expect(samples.get('b')).toHaveLength(2);
  });

  it('gives up on work that never finishes', async () => {
    await expect(within(20, 'stuck step', new Promise(() => undefined))).rejects.toThrow(/stuck step: no result/);
    await expect(within(1_000, 'quick step', Promise.resolve(5))).resolves.toBe(5);
  });
});

describe('bench tables', () => {
  const table = { title: 'T', columns: ['variant', 'p50 ms', 'ratio'], rows: [['a|b', '12.5', '1.10×'], ['c', '3.0', '0.90×']] };

  it('writes markdown with numeric columns right-aligned and pipes escaped', () => {
    const lines = renderMarkdown(table).split('\n');
    expect(lines[0]).toBe('**T**');
    expect(lines[2]).toBe('| variant | p50 ms | ratio |');
    expect(lines[3]).toBe('|:---|---:|---:|');
    expect(lines[4]).toBe('| a\\|b | 12.5 | 1.10× |');
  });

  it('aligns the terminal table under its header', () => {
    const lines = renderText(table).split('\n');
    expect(lines[1]).toBe('variant  p50 ms  ratio');
    expect(lines[3]).toBe('a|b        12.5  1.10×');
    expect(lines[4]).toBe('c           3.0  0.90×');
  });
});

describe('bench helpers against the real engine', () => {
  it('batches a closed loop of concurrent requests only when the manifest allows it', async () => {
    const shape = { features: 8, depth: 1, maxBatch: 8 };
    const repo = await probeRepository(shape);
    cleanup.push(() => removeDir(repo));
    const engine = await openProbeEngine(repo, options, 'main');
    cleanup.push(() => engine.close());
    const off = await burst(engine, 'off', shape, 8, 64, 30_000);
    const on = await burst(engine, 'on', shape, 8, 64, 30_000);
    expect(off.requests).toBe(64);
    expect(on.requests).toBe(64);
    expect(off.meanBatch).toBe(1);
    expect(on.meanBatch).toBeGreaterThan(1);
    expect(on.latenciesMs).toHaveLength(64);
  });

  it('serves tessera-lm from a rewritten manifest and counts the tokens it streams', async () => {
    const repo = await lmRepository(path.join(repoRoot, 'models/tessera-lm'), 'bench-lm', { maxBatchSize: 4, maxQueue: 16 });
    cleanup.push(() => removeDir(repo));
    const manifest = JSON.parse(await readFile(path.join(repo, 'bench-lm/model.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'bench-lm', preload: true, batching: { maxBatchSize: 4, maxQueue: 16 } });
    const engine = await Engine.create({
      modelsDir: repo,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
      logger: silentLogger,
      limits: { maxImagePixels: 1, maxAudioSeconds: 1 },
    });
    cleanup.push(() => engine.close());
    await engine.preloaded();
    expect(engine.model('bench-lm')?.status).toBe('READY');
    const contender = await engineContender(engine, 'bench-lm', 2);
    const single = await contender.single(4);
    expect(single.tokens).toBeGreaterThan(0);
    expect(single.tokens).toBeLessThanOrEqual(4);
    const together = await contender.concurrent([3, 3, 1]);
    expect(together.streams).toBe(3);
    expect(together.tokens).toBeLessThanOrEqual(7);
    expect(together.ttftMs).toHaveLength(3);
  });
});
