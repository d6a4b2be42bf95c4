/**
 * The limits of one replica, for docs/operations-scaling.md: one server process (the entry
 * point, SQLite, its default settings) driven by closed-loop clients at rising concurrency
 * for OCR and for text embeddings. For each step: answered requests per second, client p50 /
 * p99 latency, and the p99 of tessera_request_queue_seconds read from the server's own
 * /metrics, which is the figure an operator would alert on.
 *
 *   node --import tsx bench/replica-limit.ts [--seconds 10] [--levels 1,4,16]
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { parsePrometheusText } from '../test/support/prometheus-text.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, levels: { type: 'string', default: '1,4,16' } } });
const seconds = Number(values.seconds);
const levels = values.levels!.split(',').map(Number);

const work = mkdtempSync(path.join(os.tmpdir(), 'tessera-limit-'));
const modelsDir = path.join(work, 'models');
cpSync('models/paddleocr-v4', path.join(modelsDir, 'paddleocr-v4'), { recursive: true });
cpSync('models/tessera-clip', path.join(modelsDir, 'tessera-clip'), { recursive: true, filter: (src) => !src.includes('recipe') });

const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', MODELS_DIR: modelsDir, DATA_DIR: work, DATABASE_URL: `file:${work}/bench.db` },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve) => {
  let address = '';
  let ready = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === 'Tessera is serving GraphiQL') address = entry.url!.replace(/\/graphql$/, '');
    if (entry.msg?.endsWith(': ready')) ready++;
    if (address && ready === 2) resolve(address);
  });
});

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120"><rect width="100%" height="100%" fill="#fff"/><text x="20" y="70" font-family="DejaVu Sans" font-size="40" fill="#111">Total 42</text></svg>`;
const page = (await sharp(Buffer.from(svg)).png().toBuffer()).toString('base64');
const SCENARIOS = {
  OCR: { model: 'paddleocr-v4', body: { query: 'mutation($i: RecognizeTextInput!) { recognizeText(input: $i) { text } }', variables: { i: { image: { base64: page } } } } },
  TEXT_EMBEDDING: { model: 'tessera-clip', body: { query: 'mutation($i: EmbedInput!) { embed(input: $i) { dimension } }', variables: { i: { text: 'a red circle on grass' } } } },
};

async function queueBuckets(model: string): Promise<Map<number, number>> {
  const families = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
  const buckets = new Map<number, number>();
  for (const sample of families.get('tessera_request_queue_seconds')?.samples ?? []) {
    if (sample.name.endsWith('_bucket') && sample.labels.model === model) buckets.set(Number(sample.labels.le!.replace('+Inf', 'Infinity')), sample.value);
  }
  return buckets;
}

/** The upper bound of the bucket holding the 99th percentile of what was observed between two scrapes. */
function p99Bound(before: Map<number, number>, after: Map<number, number>): string {
  const deltas = [...after].map(([le, count]) => [le, count - (before.get(le) ?? 0)] as const).sort((x, y) => x[0] - y[0]);
  const total = deltas.at(-1)?.[1] ?? 0;
  const bound = deltas.find(([, count]) => count >= 0.99 * total)?.[0];
  return bound === undefined ? 'n/a' : `≤ ${bound} s`;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

console.log(`| task | clients | req/s | p50 ms | p99 ms | p99 queue (server) | errors |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const [task, scenario] of Object.entries(SCENARIOS)) {
  for (const clients of levels) {
    const before = await queueBuckets(scenario.model);
    const latencies: number[] = [];
    let errors = 0;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < end) {
          const t0 = performance.now();
          const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario.body) });
          const body = (await response.json()) as { errors?: unknown[] };
          if (body.errors) errors++;
          else latencies.push(performance.now() - t0);
        }
      }),
    );
    latencies.sort((x, y) => x - y);
    const after = await queueBuckets(scenario.model);
    console.log(
      `| ${task} | ${clients} | ${(latencies.length / seconds).toFixed(1)} | ${pct(latencies, 0.5).toFixed(0)} | ${pct(latencies, 0.99).toFixed(0)} | ${p99Bound(before, after)} | ${errors} |`,
    );
  }
}
console.log(`\n${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end; ${seconds} s per step.`);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
rmSync(work, { recursive: true, force: true });
