/**
 * Text-generation contenders behind one interface, so the same workloads (one stream, N
 * concurrent streams, N streams of mixed lengths) run against Tessera's generator, the
 * engine, the GraphQL server over graphql-ws, and @huggingface/transformers.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Engine } from '../../src/inference/engine.js';
import type { TextGenerator } from '../../src/inference/generation/index.js';
import type { GenerationEvent, GenerationRequest } from '../../src/inference/generation/types.js';
import { subscribeWs } from '../../test/support/client.js';
import { GenerateDocument } from '../../test/generated/graphql.js';

export const PROMPTS = [
  'Once upon a time there was a little',
  'The cat sat on the',
  'User: What is the sun?\nAssistant:',
  'In the morning the children went to',
  'Tom had a red ball. One day',
  'The old man looked at the sea and said',
  'Why is the sky blue?',
  'Lily wanted to',
];

/** The mixed workload: streams asking for 1/8 to all of `tokens`, as real traffic does. */
export const MIXED_STREAMS = 32;
export const mixedLimits = (tokens: number, streams = MIXED_STREAMS) =>
  Array.from({ length: streams }, (_, i) => Math.max(1, Math.round((tokens * ((i % 8) + 1)) / 8)));

export interface StreamResult {
  /** From the request to the first token the caller sees. */
  ttftMs: number;
  /** Decode rate after the first token, as the caller sees tokens arrive. */
  tokensPerSecond: number;
  tokens: number;
}

export interface AggregateResult {
  streams: number;
  tokens: number;
  wallMs: number;
  tokensPerSecond: number;
  /** Each stream's time to first token from the common start; empty where a contender cannot tell. */
  ttftMs: number[];
}

export interface Contender {
  name: string;
  single(maxTokens: number): Promise<StreamResult>;
  /** One stream per entry of `limits` (its maxTokens), all started at once; prompt i is PROMPTS[i % 8]. */
  concurrent(limits: number[]): Promise<AggregateResult>;
  /** Whether this contender takes part in a workload (1 for the single stream); all when absent. */
  runs?(streams: number): boolean;
  close(): Promise<void>;
}

const now = () => performance.now();

/** What an event stream says about itself: a token arrived, or it completed with this many tokens. */
type Seen = 'token' | { completed: number } | null;

async function timeStream<E>(events: AsyncIterable<E>, see: (event: E) => Seen, t0: number): Promise<StreamResult> {
  let first = 0;
  let last = 0;
  let tokens = 0;
  for await (const event of events) {
    const seen = see(event);
    if (seen === 'token') {
      first ||= now();
      last = now();
    } else if (seen) tokens = seen.completed;
  }
  return { ttftMs: first - t0, tokensPerSecond: ((tokens - 1) * 1000) / Math.max(1e-9, last - first), tokens };
}

const aggregate = (streams: number, counts: number[], start: number, ttftMs: number[] = []): AggregateResult => {
  const wallMs = now() - start;
  const tokens = counts.reduce((a, b) => a + b, 0);
  return { streams, tokens, wallMs, tokensPerSecond: (tokens * 1000) / wallMs, ttftMs };
};

function seeEngineEvent(event: GenerationEvent): Seen {
  if (event.type === 'token') return 'token';
  if (event.type === 'completed') {
    if (event.error) throw new Error(`generation failed: ${event.error.code} ${event.error.message}`);
    return { completed: event.usage.completionTokens };
  }
  return null;
}

/** Any in-process source of GenerationEvents: the generator itself or the engine in front of it. */
async function eventsContender(
  name: string,
  open: (request: GenerationRequest) => Promise<AsyncIterable<GenerationEvent>>,
  warmTokens: number,
  close: () => Promise<void>,
): Promise<Contender> {
  // Warm-up at full length: first runs allocate per shape.
  for await (const _ of await open({ prompt: PROMPTS[0], maxTokens: warmTokens })) void _;
  return {
    name,
    async single(maxTokens) {
      const t0 = now();
      return timeStream(await open({ prompt: PROMPTS[0], maxTokens }), seeEngineEvent, t0);
    },
    async concurrent(limits) {
      const start = now();
      const results = await Promise.all(
        limits.map(async (maxTokens, i) => timeStream(await open({ prompt: PROMPTS[i % PROMPTS.length], maxTokens }), seeEngineEvent, start)),
      );
      return aggregate(limits.length, results.map((r) => r.tokens), start, results.map((r) => r.ttftMs));
    },
    close,
  };
}

export function generatorContender(generator: TextGenerator, warmTokens: number, name = 'tessera generator'): Promise<Contender> {
  return eventsContender(name, async (request) => generator.generate(request), warmTokens, () => generator.close());
}

/** The engine in-process, as the GraphQL resolvers call it. Closing it is the caller's job. */
export function engineContender(engine: Engine, model: string, warmTokens: number, name = 'tessera engine'): Promise<Contender> {
  return eventsContender(name, (request) => engine.generate(model, request), warmTokens, async () => undefined);
}

/** One graphql-ws connection, opened now and kept open (lazy: false), so timings leave out the handshake. */
async function connectedClient(wsUrl: string): Promise<Client> {
  let client!: Client;
  await new Promise<void>((resolve, reject) => {
    client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: reject,
      on: { connected: () => resolve() },
    });
  });
  return client;
}

type Driver = Omit<Contender, 'name'>;

/**
 * The `generate` subscription over graphql-ws against a running server: one WebSocket per
 * concurrent stream, as separate clients would have. Each request is persisted by the server.
 */
export async function graphqlDriver(wsUrl: string, model: string, maxStreams: number, warmTokens: number): Promise<Driver> {
  const clients: Client[] = [];
  for (let i = 0; i < maxStreams; i += 1) clients.push(await connectedClient(wsUrl));
  const stream = (client: Client, prompt: string, maxTokens: number, t0: number) =>
    timeStream(
      subscribeWs(client, GenerateDocument, { input: { model, prompt, maxTokens } }),
      (result) => {
        if (result.errors) throw new Error(`generate subscription failed: ${JSON.stringify(result.errors)}`);
        const event = result.data?.generate;
        if (event?.__typename === 'GenerationToken') return 'token';
        if (event?.__typename === 'GenerationCompleted') {
          if (event.error) throw new Error(`generation failed: ${event.error.code} ${event.error.message}`);
          return { completed: event.usage.completionTokens };
        }
        return null;
      },
      t0,
    );
  await stream(clients[0], PROMPTS[0], warmTokens, now());
  // Every connection serves one short request first, so none is cold when timed.
  await Promise.all(clients.map((client) => stream(client, PROMPTS[1], 1, now())));
  return {
    single: (maxTokens) => stream(clients[0], PROMPTS[0], maxTokens, now()),
    async concurrent(limits) {
      if (limits.length > clients.length) throw new Error(`${limits.length} streams asked for, ${clients.length} connections open`);
      const start = now();
      const results = await Promise.all(limits.map((maxTokens, i) => stream(clients[i], PROMPTS[i % PROMPTS.length], maxTokens, start)));
      return aggregate(limits.length, results.map((r) => r.tokens), start, results.map((r) => r.ttftMs));
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}

/** GraphQL clients in this process: their parsing shares the server's thread, as a sidecar's would. */
export async function graphqlContender(wsUrl: string, model: string, maxStreams: number, warmTokens: number, name = 'tessera GraphQL (ws)'): Promise<Contender> {
  return { name, ...(await graphqlDriver(wsUrl, model, maxStreams, warmTokens)) };
}

type ClientReply = { id: number; result?: unknown; error?: string } | { ready: true } | { failed: string };

/**
 * GraphQL clients in a child process (bench/lib/ws-client-process.ts), as remote clients
 * would be: the server's thread does only the server's work. Timings are taken in the child.
 */
export async function remoteGraphqlContender(wsUrl: string, model: string, maxStreams: number, warmTokens: number, name: string): Promise<Contender> {
  const script = fileURLToPath(new URL('./ws-client-process.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, wsUrl, model, String(maxStreams), String(warmTokens)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (reply: ClientReply) => {
      if ('ready' in reply) resolve();
      else if ('failed' in reply) reject(new Error(`GraphQL client process: ${reply.failed}`));
      else {
        const waiter = waiting.get(reply.id);
        waiting.delete(reply.id);
        if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
        else waiter?.resolve(reply.result);
      }
    });
    child.once('exit', (code) => {
      const error = new Error(`GraphQL client process exited (${code})`);
      reject(error);
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
    });
  });
  const ask = <T>(message: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, ...message });
    });
  try {
    await ready;
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    name,
    single: (maxTokens) => ask<StreamResult>({ op: 'single', maxTokens }),
    concurrent: (limits) => ask<AggregateResult>({ op: 'concurrent', limits }),
    async close() {
      if (child.exitCode === null) {
        await ask({ op: 'close' }).catch(() => undefined);
        const timer = setTimeout(() => child.kill(), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * @huggingface/transformers on the same model folder (onnx/model.onnx, fp32), two ways of
 * serving N streams from one loaded pipeline:
 *  - static batch: one generate call over the N left-padded prompts, its fastest way to
 *    serve N prompts, though it cannot stream them (its TextStreamer takes one row);
 *  - per request: one streamed generate call per request, all started at once, as a
 *    server built on it would serve N clients (run up to `perRequestMax` streams: it is slow).
 * Only the tokens each request asked for are counted, up to and including its first
 * end-of-sequence token.
 */
export async function transformersContenders(
  dir: string,
  threads: number,
  warmTokens: number,
  names: { batch: string; perRequest: string; perRequestMax: number },
): Promise<[Contender, Contender]> {
  const { env, pipeline, TextStreamer } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(dir) + path.sep;
  const pipe = await pipeline('text-generation', path.basename(dir), {
    local_files_only: true,
    dtype: 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  const { model, tokenizer } = pipe;
  const eos = new Set<bigint>(
    [tokenizer.eos_token_id, ...(tokenizer.all_special_ids ?? [])].filter((v) => v !== undefined && v !== null).map((v) => BigInt(v)),
  );
  tokenizer.padding_side = 'left';

  const countNew = (ids: bigint[][], promptLength: number) =>
    ids.map((row) => {
      const fresh = row.slice(promptLength);
      const end = fresh.findIndex((t) => eos.has(t));
      return end === -1 ? fresh.length : end + 1;
    });
  const generate = async (prompts: string[], maxNewTokens: number, streamer?: unknown) => {
    const inputs = tokenizer(prompts, { padding: true });
    const out = (await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false, streamer } as never)) as { tolist(): bigint[][] };
    return countNew(out.tolist(), (inputs.input_ids as { dims: number[] }).dims[1]);
  };
  /** One request streamed through a TextStreamer, timed from `t0`. */
  const streamed = async (prompt: string, maxTokens: number, t0: number): Promise<StreamResult> => {
    let first = 0;
    let last = 0;
    const streamer = new TextStreamer(tokenizer, {
      skip_prompt: true,
      callback_function: () => undefined,
      token_callback_function: () => {
        first ||= now();
        last = now();
      },
    });
    const [tokens] = await generate([prompt], maxTokens, streamer);
    return { ttftMs: first - t0, tokensPerSecond: ((tokens - 1) * 1000) / Math.max(1e-9, last - first), tokens };
  };

  await generate([PROMPTS[0]], warmTokens);
  const single = (maxTokens: number) => streamed(PROMPTS[0], maxTokens, now());
  const batch: Contender = {
    name: names.batch,
    single,
    async concurrent(limits) {
      const prompts = limits.map((_, i) => PROMPTS[i % PROMPTS.length]);
      const start = now();
      const counts = await generate(prompts, Math.max(...limits));
      return aggregate(limits.length, counts.map((c, i) => Math.min(c, limits[i])), start);
    },
    close: () => pipe.dispose(),
  };
  const perRequest: Contender = {
    name: names.perRequest,
    single,
    async concurrent(limits) {
      const start = now();
      const results = await Promise.all(limits.map((maxTokens, i) => streamed(PROMPTS[i % PROMPTS.length], maxTokens, start)));
      return aggregate(limits.length, results.map((r) => r.tokens), start, results.map((r) => r.ttftMs));
    },
    // Its single stream is the batch contender's; only its concurrent serving differs.
    runs: (streams) => streams > 1 && streams <= names.perRequestMax,
    close: async () => undefined,
  };
  return [batch, perRequest];
}

/** transformers.js serving N streams as one static batch (see transformersContenders). */
export async function transformersContender(dir: string, threads: number, warmTokens: number, name = 'transformers.js'): Promise<Contender> {
  const [batch, perRequest] = await transformersContenders(dir, threads, warmTokens, { batch: name, perRequest: `${name} per request`, perRequestMax: 0 });
  await perRequest.close();
  return batch;
}
