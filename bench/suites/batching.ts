/**
 * batching: dynamic batching in the engine. Many small TENSOR requests from C concurrent
 * clients against the same fixture graph served twice, batching off (maxBatchSize 1) and on.
 * There is no GraphQL field for TENSOR models, so this goes through the engine only.
 */
import { Engine } from '../../src/inference/engine.js';
import type { RunStats } from '../../src/inference/types.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import { batchProbeModel } from '../../test/fixtures/models/tensor-models.js';
import { tensorManifest, writeModelFolder } from '../../test/fixtures/models/model-folder.js';
import { fmt, ratio, type SuiteReport, type Table } from '../lib/report.js';
import { engineRuntime, removeDir, tempDir, type BenchOptions } from '../lib/setup.js';
import { interleave, median, summarize } from '../lib/stats.js';

export interface ProbeShape {
  features: number;
  depth: number;
  maxBatch: number;
}

export const DEFAULT_PROBE: ProbeShape = { features: 256, depth: 4, maxBatch: 16 };

export interface Burst {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  meanBatch: number;
}

/**
 * `concurrency` clients each send their next request as soon as the previous one answers,
 * until `requests` have been sent or `maxMs` has passed. `call(i)` sends request i.
 */
export async function closedLoop(call: (i: number) => Promise<{ stats: RunStats }>, concurrency: number, requests: number, maxMs: number): Promise<Burst> {
  const latenciesMs: number[] = [];
  let batchRows = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < requests && performance.now() - started < maxMs) {
        const i = issued++;
        const t0 = performance.now();
        const { stats } = await call(i);
        latenciesMs.push(performance.now() - t0);
        batchRows += stats.batchSize;
      }
    }),
  );
  return { requests: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs, meanBatch: batchRows / latenciesMs.length };
}

/** Closed-loop TENSOR requests against the probe graph. */
export function burst(engine: Engine, model: string, shape: ProbeShape, concurrency: number, requests: number, maxMs: number): Promise<Burst> {
  const feeds = { x: { type: 'float32' as const, dims: [1, shape.features], data: Array.from({ length: shape.features }, (_, i) => (i % 13) / 13) } };
  return closedLoop(() => engine.runTensors(model, feeds), concurrency, requests, maxMs);
}

/** A repository with the probe graph twice: `off` (maxBatchSize 1) and `on`. */
export async function probeRepository(shape: ProbeShape): Promise<string> {
  const repo = await tempDir('tessera-bench-batching-');
  const graph = { model: { path: 'model.onnx', bytes: batchProbeModel({ features: shape.features, depth: shape.depth }) } };
  await writeModelFolder(repo, 'off', graph, tensorManifest({ batching: { maxBatchSize: 1, maxQueue: 1024 } }));
  await writeModelFolder(repo, 'on', graph, tensorManifest({ batching: { maxBatchSize: shape.maxBatch, maxQueue: 1024 } }));
  return repo;
}

export const openProbeEngine = async (repo: string, o: BenchOptions, sessionThread: 'worker' | 'main') => {
  const engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o, sessionThread), logger: silentLogger, limits: { maxImagePixels: 1, maxAudioSeconds: 1 } });
  await engine.loadModel('off');
  await engine.loadModel('on');
  return engine;
};

interface Row {
  sessionThread: 'worker' | 'main';
  concurrency: number;
  mode: 'off' | 'on';
  bursts: Burst[];
}

export async function batching(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const shape = DEFAULT_PROBE;
  const concurrencies = [1, 4, 16];
  const threads = ['worker', 'main'] as const;
  const requests = o.quick ? 200 : 1500;
  const rounds = o.quick ? 2 : 5;
  const repo = await probeRepository(shape);
  const rows: Row[] = [];
  try {
    for (const sessionThread of threads) {
      const engine = await openProbeEngine(repo, o, sessionThread);
      try {
        for (const model of ['off', 'on']) await burst(engine, model, shape, 4, 100, 5_000);
        for (const concurrency of concurrencies) {
          const samples = await interleave(['off', 'on'] as const, { rounds, minRounds: 1, budgetMs: o.quick ? 5_000 : 30_000 }, (mode) =>
            burst(engine, mode, shape, concurrency, requests, 10_000),
          );
          for (const mode of ['off', 'on'] as const) rows.push({ sessionThread, concurrency, mode, bursts: samples.get(mode)! });
          log(`batching: ${sessionThread} sessions, concurrency ${concurrency} done`);
        }
      } finally {
        await engine.close();
      }
    }
  } finally {
    await removeDir(repo);
  }

  const throughput = (row: Row) => median(row.bursts.map((b) => b.requests / b.seconds));
  const find = (t: string, c: number, m: string) => rows.find((r) => r.sessionThread === t && r.concurrency === c && r.mode === m)!;
  const table: Table = {
    title: 'Throughput and latency, batching off vs on',
    columns: ['sessions', 'concurrency', 'batching', 'bursts', 'requests', 'req/s (median)', 'p50 ms', 'p95 ms', 'mean batch', 'on/off req/s'],
    rows: rows.map((r) => {
      const lat = summarize(r.bursts.flatMap((b) => b.latenciesMs));
      const meanBatch = r.bursts.reduce((s, b) => s + b.meanBatch * b.requests, 0) / lat.n;
      const speedup = r.mode === 'on' ? ratio(throughput(r) / throughput(find(r.sessionThread, r.concurrency, 'off'))) : '';
      return [r.sessionThread, r.concurrency, r.mode, r.bursts.length, lat.n, fmt(throughput(r), 0), fmt(lat.p50, 2), fmt(lat.p95, 2), fmt(meanBatch, 2), speedup];
    }),
  };
  const at16 = throughput(find('worker', 16, 'on')) / throughput(find('worker', 16, 'off'));
  return {
    suite: 'batching',
    title: 'Dynamic batching: engine throughput, batching off vs on',
    setup: [
      `Fixture TENSOR graph x: float32 [batch, ${shape.features}] → ${shape.depth} × (MatMul ${shape.features}×${shape.features} + Tanh); "on" has maxBatchSize ${shape.maxBatch}, "off" maxBatchSize 1, same file`,
      `Closed loop: C clients each send the next request when the last one answers; ${requests} requests per burst, ${rounds} bursts per cell, off/on interleaved burst by burst`,
      `${o.threads} intra-op thread(s), 1 inter-op thread; "worker" = sessions on a worker thread (the server default), "main" = on the calling thread`,
      'req/s is the median over bursts; latency percentiles pool every request of the cell',
    ],
    tables: [table],
    targets: [
      {
        goal: 'dynamic batching ≥ 2.5× throughput at concurrency 16 (batchable model)',
        measured: `worker sessions: ${ratio(at16)}; main thread: ${ratio(throughput(find('main', 16, 'on')) / throughput(find('main', 16, 'off')))}`,
        met: at16 >= 2.5,
      },
    ],
    notes: ['Engine only: the GraphQL schema has no field for TENSOR models, so batching through the server cannot be measured.'],
  };
}
