/**
 * Dynamic batching in the engine: throughput of many small TENSOR requests from N
 * concurrent clients, with batching off (maxBatchSize 1) and on, and with sessions on a
 * worker thread or on the main thread. Same fixture graph, same thread counts.
 *
 *   npx tsx bench/engine-batching.ts [--requests 2000] [--clients 16] [--features 256] [--depth 4] [--max-batch 16]
 *
 * Prints requests/s, latency percentiles and the mean batch size the scheduler formed,
 * then the on/off ratios.
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { batchProbeModel } from '../test/fixtures/models/tensor-models.js';
import { tempRepository, tensorManifest, writeModelFolder } from '../test/fixtures/models/model-folder.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '16' },
    features: { type: 'string', default: '256' },
    depth: { type: 'string', default: '4' },
    'max-batch': { type: 'string', default: '16' },
  },
});
const REQUESTS = Number(values.requests);
const CLIENTS = Number(values.clients);
const FEATURES = Number(values.features);
const DEPTH = Number(values.depth);
const MAX_BATCH = Number(values['max-batch']);

interface Result {
  label: string;
  perSecond: number;
  p50: number;
  p99: number;
  meanBatch: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(engine: Engine, model: string, label: string): Promise<Result> {
  const feeds = { x: { type: 'float32' as const, dims: [1, FEATURES], data: Array.from({ length: FEATURES }, (_, i) => (i % 13) / 13) } };
  for (let i = 0; i < 20; i++) await engine.runTensors(model, feeds);
  const latencies: number[] = [];
  let batchRows = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (issued < REQUESTS) {
        issued += 1;
        const t0 = performance.now();
        const result = await engine.runTensors(model, feeds);
        latencies.push(performance.now() - t0);
        batchRows += result.stats.batchSize;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { label, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), meanBatch: batchRows / latencies.length };
}

async function main(): Promise<void> {
  const repo = await tempRepository('tessera-bench-');
  const graph = { model: { path: 'model.onnx', bytes: batchProbeModel({ features: FEATURES, depth: DEPTH }) } };
  await writeModelFolder(repo, 'off', graph, tensorManifest({ batching: { maxBatchSize: 1, maxQueue: 1024 } }));
  await writeModelFolder(repo, 'on', graph, tensorManifest({ batching: { maxBatchSize: MAX_BATCH, maxQueue: 1024 } }));
  const results: Result[] = [];
  try {
    for (const sessionThread of ['worker', 'main'] as const) {
      const engine = await Engine.create({
        modelsDir: repo,
        runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1, sessionThread },
        logger: silentLogger,
        limits: { maxImagePixels: 1, maxAudioSeconds: 1 },
      });
      try {
        for (const model of ['off', 'on']) {
          await engine.loadModel(model);
          results.push(await measure(engine, model, `${sessionThread.padEnd(6)} batching ${model}`));
        }
      } finally {
        await engine.close();
      }
    }
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
  console.log(`${REQUESTS} requests, ${CLIENTS} concurrent clients, x: [1, ${FEATURES}], ${DEPTH} MatMul+Tanh layers, maxBatchSize ${MAX_BATCH}, 1 intra-op thread`);
  console.log('sessions  batching      req/s    p50 ms   p99 ms   mean batch');
  for (const r of results) {
    console.log(`${r.label.padEnd(22)} ${r.perSecond.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)} ${r.meanBatch.toFixed(2).padStart(10)}`);
  }
  const byLabel = new Map(results.map((r) => [r.label.replace(/\s+/g, ' '), r]));
  for (const thread of ['worker', 'main']) {
    const on = byLabel.get(`${thread} batching on`)!;
    const off = byLabel.get(`${thread} batching off`)!;
    console.log(`${thread}: batching on/off throughput ×${(on.perSecond / off.perSecond).toFixed(2)}, p50 latency ×${(on.p50 / off.p50).toFixed(2)}`);
  }
}

await main();
