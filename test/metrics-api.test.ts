/**
 * /metrics through a real server: scraped with a strict Prometheus text parser before and
 * after the test's own traffic, every request series moves by exactly what was sent (OCR
 * completed and failed with its code, generations with their token usage), the gauges come
 * back to rest, and the endpoint wants an admin key on the API port but none on METRICS_PORT.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql } from './support/client.js';
import { parsePrometheusText, valueOf, type Family } from './support/prometheus-text.js';
import { GenerateTextDocument, ModelPrefixCacheDocument, RecognizeTextDocument } from './generated/graphql.js';

let models: TestModels;
let server: TestServer;
let page: Buffer;

const OCR = { model: 'paddleocr-v4', task: 'OCR' };
const LM = { model: 'tiny-lm', task: 'TEXT_GENERATION' };

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 512 }, real: ['paddleocr-v4'] });
  server = await startTestServer({ modelsDir: models.dir });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120"><rect width="100%" height="100%" fill="#fff"/><text x="20" y="70" font-family="DejaVu Sans" font-size="40" fill="#111">Total 42</text></svg>`;
  page = await sharp(Buffer.from(svg)).png().toBuffer();
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('/metrics', () => {
  it('reports the prefix cache in GraphQL and as gauges: a second prompt sharing a long prefix is a hit', async () => {
    const prefix = 'The harbour committee met on a grey morning to review the accounts of the lighthouse and the ferry. '.repeat(4);
    const read = async () => (await gql(server.graphqlUrl, ModelPrefixCacheDocument, { name: LM.model })).body.data!.model!.prefixCache!;
    // The cache exists once the model is loaded (null before): one request loads it.
    await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'warm', maxTokens: 1 } });
    const before = await read();
    expect(before.limitBytes).toBeGreaterThan(0);
    for (const question of ['Who chaired it?', 'What did the ferry cost?']) {
      const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: prefix + question, maxTokens: 1 } });
      expect(body.errors).toBeUndefined();
    }
    const after = await read();
    expect(after.hits - before.hits).toBeGreaterThanOrEqual(1);
    expect(after.reusedTokens).toBeGreaterThanOrEqual(after.blockTokens);
    expect(after.bytes).toBeGreaterThan(0);
    expect(after.bytes).toBeLessThanOrEqual(after.limitBytes);
    const metrics = await scrape(server.url);
    expect(valueOf(metrics, 'tessera_prefix_cache_bytes', { model: LM.model })).toBe(after.bytes);
    expect(valueOf(metrics, 'tessera_prefix_cache_limit_bytes', { model: LM.model })).toBe(after.limitBytes);
    expect(valueOf(metrics, 'tessera_prefix_cache_lookups_total', { model: LM.model, result: 'hit' })).toBe(after.hits);
    expect(valueOf(metrics, 'tessera_prefix_cache_reused_tokens_total', { model: LM.model })).toBe(after.reusedTokens);
  });

  it('moves with the requests made: N OCR + M generations, a failure with its code, tokens equal to usage', async () => {
    const before = await scrape(server.url);
    const delta = (after: Map<string, Family>, sample: string, labels: Record<string, string>) => valueOf(after, sample, labels) - valueOf(before, sample, labels);

    const ocr = await Promise.all([1, 2, 3].map(() => gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: page.toString('base64') } } })));
    for (const { body } of ocr) expect(body.errors).toBeUndefined();
    const corrupt = page.subarray(0, Math.floor(page.length / 2)).toString('base64');
    const broken = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: corrupt } } });
    expect(broken.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const generations = await Promise.all(
      [5, 9].map((maxTokens, seed) => gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'Metrics count', maxTokens, seed } })),
    );
    const usage = generations.map(({ body }) => body.data!.generateText.usage);

    const after = await scrape(server.url);
    expect(delta(after, 'tessera_requests_total', { ...OCR, status: 'COMPLETED', code: 'none' })).toBe(3);
    expect(delta(after, 'tessera_requests_total', { ...OCR, status: 'FAILED', code: 'BAD_USER_INPUT' })).toBe(1);
    expect(delta(after, 'tessera_requests_total', { ...LM, status: 'COMPLETED', code: 'none' })).toBe(2);
    expect(delta(after, 'tessera_generated_tokens_total', LM)).toBe(usage.reduce((sum, u) => sum + u.completionTokens, 0));
    expect(delta(after, 'tessera_prompt_tokens_total', LM)).toBe(usage.reduce((sum, u) => sum + u.promptTokens, 0));
    expect(delta(after, 'tessera_request_compute_seconds_count', LM)).toBe(2);
    expect(delta(after, 'tessera_request_queue_seconds_count', LM)).toBe(2);
    expect(delta(after, 'tessera_time_to_first_token_seconds_count', LM)).toBe(2);
    expect(delta(after, 'tessera_time_per_output_token_seconds_count', LM)).toBe(2);
    expect(delta(after, 'tessera_batch_size_count', LM)).toBe(2);
    expect(delta(after, 'tessera_request_compute_seconds_count', OCR)).toBeGreaterThanOrEqual(3);
    // Nothing is waiting or running once every answer is in.
    expect(valueOf(after, 'tessera_queue_depth', LM)).toBe(0);
    expect(valueOf(after, 'tessera_running_requests', LM)).toBe(0);
    expect(valueOf(after, 'tessera_running_requests', OCR)).toBe(0);
  });

  it('counts requests refused by a full queue with OVERLOADED, exactly as many as were answered so', async () => {
    const before = await scrape(server.url);
    // The fixture LM runs 8 at a time and queues 64: a burst of 100 long generations overflows it.
    const burst = await Promise.all(
      Array.from({ length: 100 }, (_, seed) => gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'overflow', maxTokens: 400, seed } })),
    );
    const codes = burst.map(({ body }) => body.errors?.[0]?.extensions?.code ?? 'none');
    const overloaded = codes.filter((code) => code === 'OVERLOADED').length;
    expect(overloaded).toBeGreaterThan(0);
    const after = await scrape(server.url);
    const delta = (labels: Record<string, string>) => valueOf(after, 'tessera_requests_total', { ...LM, ...labels }) - valueOf(before, 'tessera_requests_total', { ...LM, ...labels });
    // A full generation queue refuses before the row (no run to observe): counted by the code the client got.
    const errors = valueOf(after, 'tessera_graphql_errors_total', { code: 'OVERLOADED' }) - valueOf(before, 'tessera_graphql_errors_total', { code: 'OVERLOADED' });
    expect(errors + delta({ status: 'REFUSED', code: 'OVERLOADED' })).toBe(overloaded);
    expect(delta({ status: 'COMPLETED', code: 'none' })).toBe(codes.filter((code) => code === 'none').length);
    expect(valueOf(after, 'tessera_queue_depth', LM)).toBe(0);
    expect(valueOf(after, 'tessera_running_requests', LM)).toBe(0);
  }, 120_000);

  it('declares every series of the brief with its type, the model gauges and the process defaults', async () => {
    const families = await scrape(server.url);
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      tessera_requests_total: 'counter',
      tessera_request_queue_seconds: 'histogram',
      tessera_request_compute_seconds: 'histogram',
      tessera_time_to_first_token_seconds: 'histogram',
      tessera_time_per_output_token_seconds: 'histogram',
      tessera_generated_tokens_total: 'counter',
      tessera_prompt_tokens_total: 'counter',
      tessera_batch_size: 'histogram',
      tessera_queue_depth: 'gauge',
      tessera_running_requests: 'gauge',
      tessera_model_loaded: 'gauge',
      tessera_event_loop_lag_seconds: 'gauge',
      tessera_interrupted_requests_total: 'counter',
      tessera_graphql_errors_total: 'counter',
      tessera_prefix_cache_bytes: 'gauge',
      tessera_prefix_cache_limit_bytes: 'gauge',
      tessera_prefix_cache_lookups_total: 'counter',
      tessera_prefix_cache_reused_tokens_total: 'counter',
      process_cpu_user_seconds_total: 'counter',
      nodejs_heap_size_used_bytes: 'gauge',
      graphql_envelop_request_duration: 'histogram',
      graphql_yoga_http_duration: 'histogram',
    });
    // Only the documented GraphQL series: per-phase timings and deprecated-field counting cost on every operation.
    expect([...families.keys()].filter((name) => name.startsWith('graphql_')).sort()).toEqual([
      'graphql_envelop_error_result',
      'graphql_envelop_request_duration',
      'graphql_yoga_http_duration',
    ]);
    // Every GenerateText operation this file sent: 3 in the prefix-cache test, 2 in the next, 100 in the burst.
    expect(valueOf(families, 'graphql_envelop_request_duration_count', { operationName: 'GenerateText' })).toBe(105);
    expect(valueOf(families, 'tessera_graphql_errors_total', { code: 'BAD_USER_INPUT' })).toBe(1);
    expect(valueOf(families, 'tessera_model_loaded', LM)).toBe(1);
    // Token buckets resolve milliseconds; request buckets reach minutes.
    const les = (name: string) => families.get(name)!.samples.filter((s) => s.name === `${name}_bucket`).map((s) => Number(s.labels.le));
    expect(Math.min(...les('tessera_time_per_output_token_seconds').filter(Number.isFinite))).toBeLessThanOrEqual(0.001);
    expect(Math.max(...les('tessera_request_compute_seconds').filter(Number.isFinite))).toBeGreaterThanOrEqual(60);
  });
});

describe('/metrics behind keys', () => {
  let guarded: TestServer;

  beforeAll(async () => {
    guarded = await startTestServer({ modelsDir: models.dir, env: { AUTH: 'required', METRICS_PORT: '0' } });
  }, 120_000);

  afterAll(async () => {
    await guarded?.close();
  });

  it('needs an admin key on the API port, and none on METRICS_PORT', async () => {
    const bare = await fetch(`${guarded.url}/metrics`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    const { key: reader } = await guarded.app.services.keys.create('metrics-reader', ['read']);
    const forbidden = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${reader}` } });
    expect(forbidden.status).toBe(403);
    const { key: admin } = await guarded.app.services.keys.create('metrics-admin', ['admin']);
    expect((await scrape(guarded.url, { authorization: `Bearer ${admin}` })).has('tessera_requests_total')).toBe(true);
    expect((await scrape(`http://127.0.0.1:${guarded.app.metricsPort}`)).has('tessera_requests_total')).toBe(true);
    expect((await fetch(`http://127.0.0.1:${guarded.app.metricsPort}/graphql`)).status).toBe(404);
  });
});
