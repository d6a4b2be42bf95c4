/**
 * openai: what each streaming API adds per token over the engine, for the same greedy chat
 * generation on models/tessera-lm:
 *   engine in-process      Engine.generate, the events as the resolvers receive them
 *   GraphQL (graphql-ws)   the `generate` subscription through a real server and WebSocket
 *   OpenAI SSE             POST /v1/chat/completions with stream: true, read by the official client
 * Per-token time is the interval between a stream's first and last token divided by the
 * intervals between them; the overhead of an API is its per-token time minus the engine's.
 * The clients run in this process (their parsing shares the server's thread). Interleaved rounds.
 */
import path from 'node:path';
import OpenAI from 'openai';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GenerationEvent } from '../../src/inference/generation/types.js';
import { subscribeWs } from '../../test/support/client.js';
import { GenerateDocument } from '../../test/generated/graphql.js';
import { fmt, type SuiteReport } from '../lib/report.js';
import { lmRepository, removeDir, repoRoot, startServer, type BenchOptions } from '../lib/setup.js';
import { interleave, median, within } from '../lib/stats.js';

const MODEL = 'tessera-lm';
const MESSAGES = [
  { role: 'system' as const, content: 'You are a helpful assistant.' },
  { role: 'user' as const, content: 'Tell me a story about a cat and a ball.' },
];
const VARIANTS = ['engine in-process', 'GraphQL (graphql-ws)', 'OpenAI SSE (/v1/chat/completions)'] as const;
type Variant = (typeof VARIANTS)[number];

interface Sample {
  ttftMs: number;
  perTokenMs: number;
  tokens: number;
}

const now = () => performance.now();

/** Times a stream of anything from its request: `isToken` marks the items that carry a token. */
async function timed<E>(open: () => Promise<AsyncIterable<E>> | AsyncIterable<E>, isToken: (event: E) => boolean): Promise<Sample> {
  const t0 = now();
  let first = 0;
  let last = 0;
  let tokens = 0;
  for await (const event of await open()) {
    if (!isToken(event)) continue;
    tokens += 1;
    first ||= now();
    last = now();
  }
  return { ttftMs: first - t0, perTokenMs: tokens > 1 ? (last - first) / (tokens - 1) : Number.NaN, tokens };
}

async function connected(url: string): Promise<Client> {
  let client!: Client;
  await new Promise<void>((resolve, reject) => {
    client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: reject, on: { connected: () => resolve() } });
  });
  return client;
}

export async function openai(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  // tessera-lm's context is 128 tokens; the prompt takes 27 of them.
  const maxTokens = o.quick ? 24 : 96;
  const rounds = o.quick ? 2 : 10;
  const dir = await lmRepository(path.join(repoRoot, 'models', MODEL), MODEL, { maxBatchSize: 8, maxQueue: 64 });
  const server = await startServer(dir, o);
  const ws = await connected(server.wsUrl);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused with AUTH=off', maxRetries: 0 });
  const engine = server.app.services.engine;
  const measure: Record<Variant, () => Promise<Sample>> = {
    'engine in-process': () => timed(() => engine.generate(MODEL, { messages: MESSAGES, maxTokens }), (e: GenerationEvent) => e.type === 'token'),
    'GraphQL (graphql-ws)': () =>
      timed(
        () => subscribeWs(ws, GenerateDocument, { input: { model: MODEL, messages: MESSAGES, maxTokens } }),
        (result) => result.data?.generate.__typename === 'GenerationToken',
      ),
    'OpenAI SSE (/v1/chat/completions)': () =>
      timed(
        () => client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: maxTokens, stream: true }),
        // Every token event of the engine is one chunk here, an empty one included when its text is pending.
        (chunk) => chunk.choices[0]?.delta.content != null && chunk.choices[0].delta.role === undefined,
      ),
  };
  try {
    for (const variant of VARIANTS) await within(120_000, `${variant} warm-up`, measure[variant]());
    log(`server ready and warm at ${server.url}; ${rounds} interleaved rounds of ${maxTokens} tokens`);
    const samples = await interleave(VARIANTS, { rounds, minRounds: 2, budgetMs: o.quick ? 30_000 : 240_000 }, (variant) => within(120_000, variant, measure[variant]()));
    const summary = VARIANTS.map((variant) => {
      const list = samples.get(variant)!;
      return { variant, perTokenMs: median(list.map((s) => s.perTokenMs)), ttftMs: median(list.map((s) => s.ttftMs)), tokens: median(list.map((s) => s.tokens)), n: list.length };
    });
    const engineMs = summary[0]!.perTokenMs;
    const engineTtft = summary[0]!.ttftMs;
    const overheads = summary.slice(1).map((s) => `${s.variant}: ${fmt((s.perTokenMs - engineMs) * 1000, 0)} µs/token`);
    return {
      suite: 'openai',
      title: 'OpenAI-compatible SSE vs GraphQL stream: per-token overhead over the engine',
      setup: [
        `models/tessera-lm, greedy chat (same 2 messages, chat template), max_tokens ${maxTokens}, one stream at a time, ${rounds} interleaved rounds, medians`,
        'Server in this process (createApp, SQLite, AUTH=off); each streamed request writes its row like any other',
        'Clients in the same process: graphql-ws over one open WebSocket; the official `openai` client (SSE over fetch)',
        `ORT intra-op threads ${o.threads}`,
      ],
      tables: [
        {
          title: 'Per stream',
          columns: ['variant', 'tokens', 'ms per token', 'overhead per token (µs)', 'time to first token (ms)', 'TTFT over engine (ms)', 'samples'],
          rows: summary.map((s) => [
            s.variant,
            s.tokens,
            fmt(s.perTokenMs, 3),
            s.variant === VARIANTS[0] ? '—' : fmt((s.perTokenMs - engineMs) * 1000, 0),
            fmt(s.ttftMs, 1),
            s.variant === VARIANTS[0] ? '—' : fmt(s.ttftMs - engineTtft, 1),
            s.n,
          ]),
        },
      ],
      targets: [{ goal: 'the /v1/chat/completions stream vs the GraphQL stream: per-token overhead of each', measured: overheads.join('; '), met: null }],
      notes: [
        'The machine is shared with other work (2 cores, several engineers, load averages far above 2): every figure is inflated by the wait for a core, the in-process clients included. Compare the variants within one run; re-run on a quiet machine before quoting absolute overheads.',
        'TTFT over the engine includes writing the request row (SQLite) and, for the OpenAI API, authenticating and parsing the body.',
      ],
    };
  } finally {
    await ws.dispose();
    await server.close();
    await removeDir(dir);
  }
}
