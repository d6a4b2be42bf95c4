/**
 * vision: tessera-clip through the engine, batching off (maxBatchSize 1) vs on (the
 * shipped manifest: maxBatchSize 16), for text embeddings, image embeddings and zero-shot
 * classification, at concurrency 1 and 16. Images are rendered before timing starts; each
 * request still decodes and preprocesses its PNG, as a served request does.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../src/inference/engine.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import type { RunStats } from '../../src/inference/types.js';
import { COLOURS, HELD_OUT, SHAPES, pairLabel, renderScene, scenesOf, type Colour } from '../../test/fixtures/vision/shapes.js';
import { fmt, ratio, type SuiteReport, type Table } from '../lib/report.js';
import { engineRuntime, removeDir, repoRoot, tempDir, type BenchOptions } from '../lib/setup.js';
import { interleave, median, summarize } from '../lib/stats.js';
import { closedLoop as burst, type Burst } from './batching.js';

type Mode = 'off' | 'on';
type Workload = 'text embedding' | 'image embedding' | 'zero-shot (6 labels)';

/** The shipped tessera-clip twice: `on` as shipped, `off` with maxBatchSize 1. */
async function clipRepository(): Promise<string> {
  const repo = await tempDir('tessera-bench-vision-');
  const source = path.join(repoRoot, 'models', 'tessera-clip');
  for (const mode of ['on', 'off'] as const) {
    const dir = path.join(repo, mode);
    cpSync(source, dir, { recursive: true, filter: (src) => !src.includes('recipe') });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    manifest.name = mode;
    manifest.preload = false;
    if (mode === 'off') manifest.batching = { ...manifest.batching, maxBatchSize: 1, maxQueueDelayMs: 0 };
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(manifest));
  }
  return repo;
}

export async function vision(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const concurrencies = [1, 16];
  // Many short interleaved rounds: the machine's load drifts, and each round's on/off pair shares it.
  const requests = o.quick ? 64 : 240;
  const rounds = o.quick ? 1 : 7;
  const colours = Object.keys(COLOURS) as Colour[];
  const texts = colours.flatMap((c) => SHAPES.flatMap((s) => [`a ${c} ${s}`, `two ${c} shapes on a gray background`, `a large ${c} ${s} in the center`]));
  const images = await Promise.all(HELD_OUT.flatMap(([c, s]) => scenesOf(c, s)).map((scene) => renderScene(scene)));
  const labels = HELD_OUT.map(([c, s]) => pairLabel(c, s));
  const repo = await clipRepository();
  log(`vision: ${rounds} rounds of ${requests} requests per cell`);
  const engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o), logger: silentLogger, limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 1 } });
  const workloads: Record<Workload, (model: Mode, i: number) => Promise<{ stats: RunStats }>> = {
    'text embedding': (model, i) => engine.embed(model, { text: texts[i % texts.length] }, {}),
    'image embedding': (model, i) => engine.embed(model, { image: images[i % images.length] }, {}),
    'zero-shot (6 labels)': (model, i) => engine.classifyImageZeroShot(model, images[i % images.length], labels, {}),
  };
  const rows: { workload: Workload; concurrency: number; mode: Mode; bursts: Burst[] }[] = [];
  try {
    for (const mode of ['off', 'on'] as const) {
      await engine.loadModel(mode);
      for (const call of Object.values(workloads)) await burst((i) => call(mode, i), 4, 64, 5_000);
    }
    for (const [workload, call] of Object.entries(workloads) as [Workload, (typeof workloads)[Workload]][]) {
      for (const concurrency of concurrencies) {
        const samples = await interleave(['off', 'on'] as const, { rounds, minRounds: 1, budgetMs: o.quick ? 5_000 : 40_000 }, (mode) =>
          burst((i) => call(mode, i), concurrency, requests, 15_000),
        );
        for (const mode of ['off', 'on'] as const) rows.push({ workload, concurrency, mode, bursts: samples.get(mode)! });
        log(`vision: ${workload}, concurrency ${concurrency} done`);
      }
    }
  } finally {
    await engine.close();
    await removeDir(repo);
  }

  const throughput = (row: (typeof rows)[number]) => median(row.bursts.map((b) => b.requests / b.seconds));
  const find = (w: Workload, c: number, m: Mode) => rows.find((r) => r.workload === w && r.concurrency === c && r.mode === m)!;
  /** The median over rounds of on/off within the round. */
  const speedup = (w: Workload, c: number) => {
    const [off, on] = [find(w, c, 'off').bursts, find(w, c, 'on').bursts];
    return median(on.map((b, k) => b.requests / b.seconds / (off[k].requests / off[k].seconds)));
  };
  const table: Table = {
    title: 'tessera-clip requests/s, batching off (maxBatchSize 1) vs on (maxBatchSize 16)',
    columns: ['workload', 'concurrency', 'off req/s', 'on req/s', 'on/off (paired)', 'off p50 ms', 'on p50 ms', 'on p95 ms', 'on mean batch'],
    rows: (Object.keys(workloads) as Workload[]).flatMap((w) =>
      concurrencies.map((c) => {
        const off = find(w, c, 'off');
        const on = find(w, c, 'on');
        const onLatency = summarize(on.bursts.flatMap((b) => b.latenciesMs));
        const meanBatch = on.bursts.reduce((s, b) => s + b.meanBatch * b.requests, 0) / onLatency.n;
        return [
          w,
          c,
          fmt(throughput(off), 0),
          fmt(throughput(on), 0),
          ratio(speedup(w, c)),
          fmt(summarize(off.bursts.flatMap((b) => b.latenciesMs)).p50, 2),
          fmt(onLatency.p50, 2),
          fmt(onLatency.p95, 2),
          fmt(meanBatch, 2),
        ];
      }),
    ),
  };
  const at16 = (Object.keys(workloads) as Workload[]).map((w) => `${w} ${ratio(speedup(w, 16))}`);
  return {
    suite: 'vision',
    title: 'Vision and embeddings: tessera-clip throughput, batching off vs on',
    setup: [
      'models/tessera-clip (1.1M parameters, 64×64 images) loaded twice in one engine: "on" with the shipped batching (maxBatchSize 16, maxQueueDelayMs 0: requests that arrive while a batch computes form the next one), "off" with maxBatchSize 1',
      `Closed loop: C clients each send the next request when the last one answers; ${requests} requests per burst, ${rounds} burst(s) per cell, off/on interleaved; req/s is the median over bursts, on/off the median of the per-round ratios`,
      'Image requests decode and preprocess a 128×128 PNG each (sharp: resize 64 cubic, crop, normalise); zero-shot prompts are embedded once and cached, so its cost is the image side',
      `${o.threads} intra-op thread(s); sessions on a worker thread (the server default)`,
    ],
    tables: [table],
    targets: [
      {
        goal: 'dynamic batching ≥ 2.5× throughput at concurrency 16 (embeddings and zero-shot)',
        measured: at16.join('; '),
        met: (Object.keys(workloads) as Workload[]).every((w) => speedup(w, 16) >= 2.5),
      },
    ],
    notes: ['Engine only, like the batching suite: the GraphQL layer adds the same per-request cost to both columns.'],
  };
}
