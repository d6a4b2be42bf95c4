/**
 * Dynamic batching in the engine: throughput of many small TENSOR requests from N
 * concurrent clients, with batching off (maxBatchSize 1) and on, and with sessions on a
 * worker thread or on the main thread. Same fixture graph, same thread counts.
 * `npm run bench -- --suite batching` runs the same measurement at several concurrencies;
 * this is the standalone form for one setting.
 *
 *   npx tsx bench/engine-batching.ts [--requests 2000] [--clients 16] [--features 256] [--depth 4] [--max-batch 16] [--threads 1]
 *
 * Prints requests/s, latency percentiles and the mean batch size the scheduler formed,
 * then the on/off ratios.
 */
import { parseArgs } from 'node:util';
import { percentile, summarize } from './lib/stats.js';
import { removeDir } from './lib/setup.js';
import { burst, openProbeEngine, probeRepository, type Burst } from './suites/batching.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '16' },
    features: { type: 'string', default: '256' },
    depth: { type: 'string', default: '4' },
    'max-batch': { type: 'string', default: '16' },
    threads: { type: 'string', default: '1' },
  },
});
const REQUESTS = Number(values.requests);
const CLIENTS = Number(values.clients);
const shape = { features: Number(values.features), depth: Number(values.depth), maxBatch: Number(values['max-batch']) };
const options = { quick: false, threads: Number(values.threads), gpt2Small: null };

const repo = await probeRepository(shape);
const results: { label: string; run: Burst }[] = [];
try {
  for (const sessionThread of ['worker', 'main'] as const) {
    const engine = await openProbeEngine(repo, options, sessionThread);
    try {
      for (const model of ['off', 'on']) {
        await burst(engine, model, shape, CLIENTS, 20, 5_000);
        results.push({ label: `${sessionThread.padEnd(6)} batching ${model}`, run: await burst(engine, model, shape, CLIENTS, REQUESTS, 60_000) });
      }
    } finally {
      await engine.close();
    }
  }
} finally {
  await removeDir(repo);
}
console.log(
  `${REQUESTS} requests, ${CLIENTS} concurrent clients, x: [1, ${shape.features}], ${shape.depth} MatMul+Tanh layers, maxBatchSize ${shape.maxBatch}, ${options.threads} intra-op thread(s)`,
);
console.log('sessions  batching      req/s    p50 ms   p99 ms   mean batch');
const perSecond = (r: Burst) => r.requests / r.seconds;
for (const { label, run } of results) {
  const p99 = percentile(run.latenciesMs, 99);
  console.log(
    `${label.padEnd(22)} ${perSecond(run).toFixed(0).padStart(7)} ${summarize(run.latenciesMs).p50.toFixed(2).padStart(9)} ${p99.toFixed(2).padStart(8)} ${run.meanBatch.toFixed(2).padStart(10)}`,
  );
}
const byLabel = new Map(results.map((r) => [r.label.replace(/\s+/g, ' '), r.run]));
for (const thread of ['worker', 'main']) {
  const on = byLabel.get(`${thread} batching on`)!;
  const off = byLabel.get(`${thread} batching off`)!;
  console.log(
    `${thread}: batching on/off throughput ×${(perSecond(on) / perSecond(off)).toFixed(2)}, p50 latency ×${(summarize(on.latenciesMs).p50 / summarize(off.latenciesMs).p50).toFixed(2)}`,
  );
}
