/**
 * backends: what a remote backend costs per request and per token, against calling the same
 * STAND-IN server directly (test/support: an OpenAI-compatible stand-in streaming
 * deterministic text, a KServe v2 stand-in running tessera-shapes with onnxruntime-node).
 *   generation  direct: the stand-in's SSE read by a bare fetch;  engine: Engine.generate on a
 *               model with an openai backend;  graphql: the generateText mutation (SQLite row)
 *   classify    direct: one KServe v2 infer of a ready tensor;  graphql-remote: classifyImage on
 *               the kserve-v2 model (decode + preprocessing + infer + row);  graphql-local: the
 *               same model on local onnxruntime, for scale
 * All on 127.0.0.1, so the figures are Tessera's own cost, not the network's.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../src/inference/engine.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import { ClassifyImageDocument, GenerateTextDocument } from '../../test/generated/graphql.js';
import { gql } from '../../test/support/client.js';
import { KServeStandin } from '../../test/support/kserve-standin.js';
import { OpenAIStandin } from '../../test/support/openai-standin.js';
import { repositoryGraph, writeRemoteCopy } from '../../test/support/remote-models.js';
import { writeModelFolder } from '../../test/fixtures/models/model-folder.js';
import { renderScene } from '../../test/fixtures/vision/shapes.js';
import { fmt, type SuiteReport } from '../lib/report.js';
import { engineRuntime, removeDir, startServer, tempDir, type BenchOptions, type TestServer } from '../lib/setup.js';
import { interleave, summarize, within } from '../lib/stats.js';

const GEN = ['direct', 'engine', 'graphql'] as const;
const CLS = ['direct', 'graphql-remote', 'graphql-local'] as const;
const TOKENS = [1, 64] as const;
const PROMPT = 'the quick brown fox jumps over the lazy dog and then the fox runs back home again';

async function readStream(url: string, maxTokens: number): Promise<number> {
  const response = await fetch(`${url}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'standin-lm', prompt: PROMPT, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
  });
  const text = await response.text();
  return text.split('\n\n').filter((e) => e.startsWith('data: {') && e.includes('"text"')).length;
}

export async function backends(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const openai = new OpenAIStandin();
  const kserve = new KServeStandin({ shapes: repositoryGraph('tessera-shapes', 'model') });
  const repo = await tempDir('tessera-bench-backends-');
  let server: TestServer | undefined;
  let engine: Engine | undefined;
  try {
    const [openaiUrl, kserveUrl] = [await openai.start(), await kserve.start()];
    await writeModelFolder(repo, 'remote-lm', {}, {
      task: 'TEXT_GENERATION',
      inputModalities: ['TEXT'],
      outputModalities: ['TEXT', 'TOKENS'],
      source: 'openai stand-in',
      license: 'MIT',
      batching: { maxQueue: 64, concurrency: 4 },
      backend: { kind: 'openai', url: openaiUrl, model: 'standin-lm' } as never,
    });
    cpSync(path.resolve('models/tessera-shapes'), path.join(repo, 'tessera-shapes'), { recursive: true, filter: (src) => !src.includes('recipe') });
    writeRemoteCopy(repo, 'tessera-shapes', 'remote-shapes', { kind: 'kserve-v2', url: kserveUrl, model: 'shapes' });
    engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o), logger: silentLogger, limits: { maxImagePixels: 40_000_000, maxAudioSeconds: 600 } });
    server = await startServer(repo, o);
    const graphqlUrl = server.graphqlUrl;
    const image = (await renderScene({ colour: 'red', shape: 'circle', background: 'white', cx: 0.5, cy: 0.5, r: 0.3 })).toString('base64');
    const tensor = { inputs: [{ name: 'pixel_values', shape: [1, 3, 64, 64], datatype: 'FP32', data: Array.from({ length: 3 * 64 * 64 }, (_, i) => ((i % 255) / 255 - 0.5) * 2) }] };

    const generation: Record<(typeof GEN)[number], (tokens: number) => Promise<number>> = {
      direct: (tokens) => readStream(openaiUrl, tokens),
      engine: async (tokens) => {
        let count = 0;
        for await (const event of await engine!.generate('remote-lm', { prompt: PROMPT, maxTokens: tokens })) if (event.type === 'token') count += 1;
        return count;
      },
      graphql: async (tokens) => {
        const { body } = await gql(graphqlUrl, GenerateTextDocument, { input: { model: 'remote-lm', prompt: PROMPT, maxTokens: tokens } });
        if (!body.data) throw new Error(`generateText failed: ${JSON.stringify(body.errors)}`);
        return body.data.generateText.usage.completionTokens;
      },
    };
    const classify: Record<(typeof CLS)[number], () => Promise<void>> = {
      direct: async () => {
        const response = await fetch(`${kserveUrl}/v2/models/shapes/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tensor) });
        await response.json();
      },
      'graphql-remote': async () => {
        const { body } = await gql(graphqlUrl, ClassifyImageDocument, { input: { image: { base64: image }, model: 'remote-shapes' } });
        if (!body.data) throw new Error(`classifyImage failed: ${JSON.stringify(body.errors)}`);
      },
      'graphql-local': async () => {
        const { body } = await gql(graphqlUrl, ClassifyImageDocument, { input: { image: { base64: image }, model: 'tessera-shapes' } });
        if (!body.data) throw new Error(`classifyImage failed: ${JSON.stringify(body.errors)}`);
      },
    };

    for (const v of GEN) for (const t of TOKENS) await within(30_000, `${v} warm-up`, generation[v](t));
    for (const v of CLS) await within(30_000, `${v} warm-up`, classify[v]());
    const rounds = o.quick ? 3 : 40;
    const budgetMs = o.quick ? 10_000 : 90_000;
    const genMs = new Map<string, ReturnType<typeof summarize>>();
    for (const tokens of TOKENS) {
      const samples = await interleave(GEN, { rounds, minRounds: 2, budgetMs }, async (v) => {
        const t0 = performance.now();
        const got = await within(30_000, v, generation[v](tokens));
        if (got !== tokens) throw new Error(`${v}: ${got} tokens, expected ${tokens}`);
        return performance.now() - t0;
      });
      for (const v of GEN) genMs.set(`${v}/${tokens}`, summarize(samples.get(v)!));
    }
    const clsSamples = await interleave(CLS, { rounds, minRounds: 2, budgetMs }, async (v) => {
      const t0 = performance.now();
      await within(30_000, v, classify[v]());
      return performance.now() - t0;
    });
    const clsMs = new Map(CLS.map((v) => [v, summarize(clsSamples.get(v)!)]));
    const p50 = (v: string, t: number) => genMs.get(`${v}/${t}`)!.p50;
    const perRequest = (v: string) => p50(v, 1) - p50('direct', 1);
    const perToken = (v: string) => (p50(v, 64) - p50('direct', 64) - perRequest(v)) / 63;
    log(`backends: graphql adds ${fmt(perRequest('graphql'), 2)} ms per request, ${fmt(perToken('graphql'), 3)} ms per token`);
    return {
      suite: 'backends',
      title: 'Remote backends: the cost Tessera adds over calling the engine directly',
      setup: [
        `OpenAI-compatible stand-in streaming deterministic text with no delay (one word per SSE chunk); prompts of ${PROMPT.split(' ').length} words; 1 and 64 tokens per request`,
        'KServe v2 stand-in running models/tessera-shapes (onnxruntime-node, 1 intra-op thread) in this process; direct = one infer of a ready 1×3×64×64 tensor as JSON',
        `N = ${clsMs.get('direct')!.n} timed requests per variant after one warm-up; variants interleaved round by round; everything on 127.0.0.1 in one Node process (stand-ins, engine, server), so the stand-ins share the CPU with what is measured`,
        'per request = p50(variant, 1 token) − p50(direct, 1 token); per token = (p50(variant, 64) − p50(direct, 64) − per request) / 63',
      ],
      tables: [
        {
          title: 'Generation through an openai backend (ms)',
          columns: ['variant', 'p50 1 token', 'p95 1 token', 'p50 64 tokens', 'p95 64 tokens', 'added per request', 'added per token'],
          rows: GEN.map((v) => [
            v,
            fmt(p50(v, 1), 2),
            fmt(genMs.get(`${v}/1`)!.p95, 2),
            fmt(p50(v, 64), 2),
            fmt(genMs.get(`${v}/64`)!.p95, 2),
            v === 'direct' ? '' : fmt(perRequest(v), 2),
            v === 'direct' ? '' : fmt(perToken(v), 3),
          ]),
        },
        {
          title: 'Image classification through a kserve-v2 backend (ms)',
          columns: ['variant', 'N', 'p50', 'p95', 'p50 − direct'],
          rows: CLS.map((v) => {
            const s = clsMs.get(v)!;
            return [v, s.n, fmt(s.p50, 2), fmt(s.p95, 2), v === 'direct' ? '' : fmt(s.p50 - clsMs.get('direct')!.p50, 2)];
          }),
        },
      ],
      targets: [],
      notes: [
        'graphql-remote − direct is what Tessera adds to one tensor request: image decode and preprocessing, the JSON tensor both ways, the queue, GraphQL and the SQLite row.',
        'The stand-ins are not vLLM or Triton; their own cost is in every variant alike and cancels out of the differences.',
      ],
    };
  } finally {
    await server?.close();
    await engine?.close();
    await openai.close();
    await kserve.close();
    await removeDir(repo);
  }
}
