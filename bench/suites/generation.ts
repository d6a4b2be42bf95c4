/**
 * generation: streamed text generation on the same model files, greedy, same prompts and
 * thread counts:
 *   engine in-process  Engine.generate (continuous batching in one decode loop)
 *   GraphQL ws         the `generate` subscription over graphql-ws against an in-process server
 *                      (same manifest, SQLite persistence), one WebSocket per stream, the
 *                      clients in a separate process or in the server's own
 *   transformers.js    @huggingface/transformers' generate, N prompts as one static batch
 * On models/tessera-lm, and on the 124M GPT-2-small random-weights export when present.
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Engine } from '../../src/inference/engine.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import {
  engineContender,
  graphqlContender,
  MIXED_STREAMS,
  remoteGraphqlContender,
  mixedLimits,
  transformersContenders,
  type AggregateResult,
  type Contender,
  type StreamResult,
} from '../lib/generation.js';
import { measureReference } from '../lib/generation-reference.js';
import { pullLm, type PulledLm } from '../lib/pulled-lm.js';
import { fmt, percent, ratio, type SuiteReport, type Table, type Target } from '../lib/report.js';
import { engineRuntime, lmRepository, removeDir, repoRoot, startServer, type BenchOptions, type TestServer } from '../lib/setup.js';
import { collectGarbage, median, percentile, rotated, within } from '../lib/stats.js';

interface ModelPlan {
  label: string;
  dir: string;
  tokens: number;
  repeats: number;
  /** 1-stream runs per round (8-stream runs: one fewer). */
  singleReps: number;
  streams: number[];
  mixed: boolean;
  budgetMs: number;
  /** Served as `models pull` writes it from a local hub stand-in (batching as pulled), not from a hand-written manifest. */
  pulled: boolean;
  /**
   * Extra rounds of the engine and GraphQL (client process) alone at each stream count, after
   * the main rounds: the GraphQL overhead is a few percent and one run moves by ±10% on this
   * machine, so its target gets more runs than the other comparisons need.
   */
  overheadRounds: number;
}

/** Adjacent engine and GraphQL runs of one overhead round: their ratio shares that moment's machine. */
interface OverheadPair {
  label: string;
  engine: number;
  graphql: number;
}

type Workload = { kind: 'single' } | { kind: 'concurrent'; label: string; limits: number[] };

interface Measured {
  single: StreamResult[];
  concurrent: Map<string, AggregateResult[]>;
  /** Per workload label ('1 stream' too), the p99 and the max event-loop delay of this process during each run, ms. */
  lag: Map<string, { p99: number; max: number }[]>;
}

/** Runs `work` while sampling this process's event-loop delay (the server's thread, for the in-process server). */
async function withLag<T>(work: () => Promise<T>): Promise<{ result: T; p99: number; max: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await work();
    return { result, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

const ENGINE = 'engine in-process';
const GRAPHQL = 'GraphQL ws, client process';
const GRAPHQL_LOCAL = 'GraphQL ws, client in-process';
const TRANSFORMERS = 'transformers.js static batch';
const TRANSFORMERS_EACH = 'transformers.js per request';
/** transformers.js per-request serving runs up to this many streams: beyond, it only repeats the point at length. */
const PER_REQUEST_MAX = 8;

/**
 * One round's workloads. The short ones run several times per round (still interleaved
 * across contenders): a 1-stream run lasts about a second, and one noisy second on a shared
 * machine would otherwise decide the ratio.
 */
function workloads(plan: ModelPlan): Workload[] {
  const repeat = <T>(times: number, item: T): T[] => Array.from({ length: times }, () => item);
  return [
    ...repeat<Workload>(plan.singleReps, { kind: 'single' }),
    ...plan.streams.flatMap((s) =>
      repeat<Workload>(s <= 8 ? plan.singleReps - 1 || 1 : 1, { kind: 'concurrent', label: `${s} streams`, limits: Array(s).fill(plan.tokens) }),
    ),
    ...(plan.mixed ? [{ kind: 'concurrent', label: `${MIXED_STREAMS} mixed`, limits: mixedLimits(plan.tokens) } as Workload] : []),
  ];
}

async function measureModel(
  plan: ModelPlan,
  o: BenchOptions,
  log: (line: string) => void,
): Promise<{ results: Map<string, Measured>; rounds: number; pairs: OverheadPair[] }> {
  const name = 'bench-lm';
  const maxStreams = Math.max(...plan.streams, plan.mixed ? MIXED_STREAMS : 1);
  let pulled: PulledLm | undefined;
  if (plan.pulled) {
    pulled = await pullLm(plan.dir, name);
    const { batching, batchingUnavailable } = pulled.manifest;
    log(`generation: ${plan.label} pulled through \`models pull\`: batching ${batchingUnavailable ? `off (${batchingUnavailable})` : `up to ${batching.maxBatchSize} rows, ${batching.maxQueue} waiting`}`);
  }
  const repo = pulled?.modelsDir ?? (await lmRepository(plan.dir, name, { maxBatchSize: maxStreams, maxQueue: 4 * maxStreams }));
  let engine: Engine | undefined;
  let server: TestServer | undefined;
  const contenders: Contender[] = [];
  try {
    engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o), logger: silentLogger, limits: { maxImagePixels: 1, maxAudioSeconds: 1 } });
    await engine.preloaded();
    await engine.loadModel(name);
    server = await startServer(repo, o);
    await server.app.services.engine.preloaded();
    contenders.push(await engineContender(engine, name, plan.tokens, ENGINE));
    contenders.push(await remoteGraphqlContender(server.wsUrl, name, maxStreams, plan.tokens, GRAPHQL));
    contenders.push(await graphqlContender(server.wsUrl, name, maxStreams, plan.tokens, GRAPHQL_LOCAL));
    contenders.push(
      ...(await transformersContenders(plan.dir, o.threads, plan.tokens, { batch: TRANSFORMERS, perRequest: TRANSFORMERS_EACH, perRequestMax: PER_REQUEST_MAX })),
    );
    log(`generation: ${plan.label} loaded (engine, server, transformers.js); measuring`);

    const results = new Map<string, Measured>(contenders.map((c) => [c.name, { single: [], concurrent: new Map(), lag: new Map() }]));
    const started = performance.now();
    let rounds = 0;
    for (let round = 0; round < plan.repeats; round += 1) {
      if (round >= 1 && performance.now() - started > plan.budgetMs) break;
      for (const work of workloads(plan)) {
        const streams = work.kind === 'single' ? 1 : work.limits.length;
        for (const contender of rotated(contenders, round)) {
          if (contender.runs && !contender.runs(streams)) continue;
          collectGarbage();
          const into = results.get(contender.name)!;
          const label = work.kind === 'single' ? '1 stream' : work.label;
          const lagged =
            work.kind === 'single'
              ? await withLag(() => within(300_000, `${contender.name} 1 stream`, contender.single(plan.tokens)))
              : await withLag(() => within(300_000, `${contender.name} ${work.label}`, contender.concurrent(work.limits)));
          into.lag.set(label, [...(into.lag.get(label) ?? []), { p99: lagged.p99, max: lagged.max }]);
          if (work.kind === 'single') into.single.push(lagged.result as StreamResult);
          else into.concurrent.set(work.label, [...(into.concurrent.get(work.label) ?? []), lagged.result as AggregateResult]);
        }
      }
      rounds += 1;
      log(`generation: ${plan.label} round ${round + 1}/${plan.repeats} done`);
    }
    const pairs: OverheadPair[] = [];
    const engineRuns = contenders.find((c) => c.name === ENGINE)!;
    const graphqlRuns = contenders.find((c) => c.name === GRAPHQL)!;
    for (let round = 0; round < plan.overheadRounds; round += 1) {
      for (const streams of plan.streams) {
        const label = `${streams} streams`;
        const limits = Array(streams).fill(plan.tokens);
        const tps: Record<string, number> = {};
        for (const contender of rotated([engineRuns, graphqlRuns], round)) {
          collectGarbage();
          const lagged = await withLag(() => within(300_000, `${contender.name} ${label}`, contender.concurrent(limits)));
          const into = results.get(contender.name)!;
          into.concurrent.set(label, [...(into.concurrent.get(label) ?? []), lagged.result]);
          into.lag.set(label, [...(into.lag.get(label) ?? []), { p99: lagged.p99, max: lagged.max }]);
          tps[contender.name] = lagged.result.tokensPerSecond;
        }
        pairs.push({ label, engine: tps[ENGINE], graphql: tps[GRAPHQL] });
      }
    }
    if (plan.overheadRounds > 0) log(`generation: ${plan.label} ${plan.overheadRounds} overhead rounds (engine and GraphQL only) done`);
    return { results, rounds, pairs };
  } finally {
    for (const contender of contenders) await contender.close();
    await server?.close();
    await engine?.close();
    if (pulled) await pulled.cleanup();
    else await removeDir(repo);
  }
}

function report(plan: ModelPlan, results: Map<string, Measured>, rounds: number, pairs: OverheadPair[]): { tables: Table[]; targets: Target[] } {
  const labels = [...new Set(workloads(plan).flatMap((w) => (w.kind === 'concurrent' ? [w.label] : [])))];
  const tps = (name: string, label: string | null) => {
    const m = results.get(name)!;
    return median(label === null ? m.single.map((s) => s.tokensPerSecond) : (m.concurrent.get(label) ?? []).map((c) => c.tokensPerSecond));
  };
  const ttft = (name: string) => median(results.get(name)!.single.map((s) => s.ttftMs));
  const counts = (name: string) => {
    const m = results.get(name)!;
    return [m.single[0]?.tokens, ...labels.map((l) => m.concurrent.get(l)?.[0]?.tokens)].map((t) => t ?? '—').join(' / ');
  };
  const names = [...results.keys()];
  const engineRuns = results.get(ENGINE)!;
  const n = (label: string | null) => (label === null ? engineRuns.single.length : engineRuns.concurrent.get(label)!.length);
  const runsOf = (name: string, label: string) => results.get(name)!.concurrent.get(label)?.length ?? 0;
  const figures: Table = {
    title: `${plan.label}: ${plan.tokens} new tokens per stream, greedy (medians of N runs over ${rounds} rounds)`,
    columns: [
      'contender',
      `TTFT ms 1 stream (N=${n(null)})`,
      `tok/s 1 stream (N=${n(null)})`,
      ...labels.map((l) => `tok/s ${l} (N=${n(l)})`),
      'tokens counted',
    ],
    rows: names.map((name) => [
      name,
      fmt(ttft(name)),
      fmt(tps(name, null)),
      ...labels.map((l) => `${fmt(tps(name, l))}${runsOf(name, l) !== n(l) ? ` (N=${runsOf(name, l)})` : ''}`),
      counts(name),
    ]),
  };
  const cols: (string | null)[] = [null, ...labels];
  const colName = (l: string | null) => (l === null ? '1 stream' : l);
  const ratios: Table = {
    title: `${plan.label}: ratios`,
    columns: ['comparison', 'TTFT', ...cols.map(colName)],
    rows: [
      ['engine / transformers.js static batch (tok/s; TTFT: speed-up)', ratio(ttft(TRANSFORMERS) / ttft(ENGINE)), ...cols.map((l) => ratio(tps(ENGINE, l) / tps(TRANSFORMERS, l)))],
      ['engine / transformers.js per request', '', ...cols.map((l) => ratio(tps(ENGINE, l) / tps(TRANSFORMERS_EACH, l)))],
      ['GraphQL (client process) / transformers.js', ratio(ttft(TRANSFORMERS) / ttft(GRAPHQL)), ...cols.map((l) => ratio(tps(GRAPHQL, l) / tps(TRANSFORMERS, l)))],
      ['GraphQL (client process) over engine: time per token; TTFT', percent(ttft(GRAPHQL) / ttft(ENGINE) - 1), ...cols.map((l) => percent(tps(ENGINE, l) / tps(GRAPHQL, l) - 1))],
      ['GraphQL (client in-process) over engine: time per token; TTFT', percent(ttft(GRAPHQL_LOCAL) / ttft(ENGINE) - 1), ...cols.map((l) => percent(tps(ENGINE, l) / tps(GRAPHQL_LOCAL, l) - 1))],
    ],
  };
  const ttftUnderLoad = (name: string, label: string) => {
    const runs = (results.get(name)!.concurrent.get(label) ?? []).filter((c) => c.ttftMs.length > 0);
    if (runs.length === 0) return '—';
    return `${fmt(median(runs.map((c) => median(c.ttftMs))))} / ${fmt(median(runs.map((c) => Math.max(...c.ttftMs))))}`;
  };
  const arrivals: Table = {
    title: `${plan.label}: time to first token with N streams started at once, ms (p50 / max over the streams)`,
    columns: ['contender', ...labels],
    rows: names.filter((name) => name !== TRANSFORMERS).map((name) => [name, ...labels.map((l) => ttftUnderLoad(name, l))]),
  };
  const lagOf = (name: string, label: string) => {
    const runs = results.get(name)!.lag.get(label) ?? [];
    return runs.length === 0 ? null : { p99: median(runs.map((r) => r.p99)), max: Math.max(...runs.map((r) => r.max)) };
  };
  const lagLabels = ['1 stream', ...labels];
  const lagTable: Table = {
    title: `${plan.label}: event-loop delay of the process that runs the contender while it serves (ms, p99 median over runs / max)`,
    columns: ['contender', ...lagLabels],
    rows: names.map((name) => [name, ...lagLabels.map((l) => {
      const lag = lagOf(name, l);
      return lag ? `${fmt(lag.p99)} / ${fmt(lag.max)}` : '—';
    })]),
  };
  const pairLabels = [...new Set(pairs.map((p) => p.label))];
  const pairedOverheads = (label: string) => pairs.filter((p) => p.label === label).map((p) => p.engine / p.graphql - 1);
  const paired: Table = {
    title: `${plan.label}: what GraphQL (client process) adds over the engine, time per token, in the overhead rounds (engine and GraphQL run back to back)`,
    columns: ['streams', 'pairs', 'median of the pairs', 'p25 … p75 of the pairs', 'all runs of both: median / median'],
    rows: pairLabels.map((label) => {
      const v = pairedOverheads(label);
      return [label, String(v.length), percent(median(v)), `${percent(percentile(v, 25))} … ${percent(percentile(v, 75))}`, percent(tps(ENGINE, label) / tps(GRAPHQL, label) - 1)];
    }),
  };
  const lag32 = lagOf(GRAPHQL, '32 streams');
  const firstConcurrent = labels.find((l) => l === '8 streams');
  const graphqlOverheads = cols.filter((l) => l === null || !l.includes('mixed')).map((l) => ({ l, v: tps(ENGINE, l) / tps(GRAPHQL, l) - 1 }));
  const worst = graphqlOverheads.reduce((a, b) => (b.v > a.v ? b : a));
  const targets: Target[] = [
    {
      goal: `${plan.label}: one stream ≥ 1.2× transformers.js tokens/s`,
      measured: `${fmt(tps(ENGINE, null))} vs ${fmt(tps(TRANSFORMERS, null))} tok/s = ${ratio(tps(ENGINE, null) / tps(TRANSFORMERS, null))}`,
      met: tps(ENGINE, null) / tps(TRANSFORMERS, null) >= 1.2,
    },
    ...(firstConcurrent
      ? [
          {
            goal: `${plan.label}: 8 concurrent streams ≥ 3× transformers.js aggregate tokens/s (transformers.js: one streamed generate per request)`,
            measured: `${fmt(tps(ENGINE, firstConcurrent))} vs ${fmt(tps(TRANSFORMERS_EACH, firstConcurrent))} tok/s = ${ratio(tps(ENGINE, firstConcurrent) / tps(TRANSFORMERS_EACH, firstConcurrent))}`,
            met: tps(ENGINE, firstConcurrent) / tps(TRANSFORMERS_EACH, firstConcurrent) >= 3,
          },
          {
            goal: `${plan.label}: 8 concurrent streams ≥ 3× transformers.js aggregate tokens/s (transformers.js: the 8 prompts as one static batch, not streamed)`,
            measured: `${fmt(tps(ENGINE, firstConcurrent))} vs ${fmt(tps(TRANSFORMERS, firstConcurrent))} tok/s = ${ratio(tps(ENGINE, firstConcurrent) / tps(TRANSFORMERS, firstConcurrent))}`,
            met: tps(ENGINE, firstConcurrent) / tps(TRANSFORMERS, firstConcurrent) >= 3,
          },
        ]
      : [{ goal: `${plan.label}: 8 concurrent streams ≥ 3× transformers.js`, measured: 'not run', met: null }]),
    {
      goal: `${plan.label}: GraphQL streaming adds ≤ 5% over the engine in-process (clients in their own process)`,
      measured:
        `worst tok/s overhead ${percent(worst.v)} (${colName(worst.l)}); ${graphqlOverheads.map((x) => `${colName(x.l)} ${percent(x.v)} (N=${x.l === null ? n(null) : runsOf(GRAPHQL, x.l)})`).join(', ')}` +
        `${pairLabels.length ? `; paired: ${pairLabels.map((l) => `${l} ${percent(median(pairedOverheads(l)))}`).join(', ')}` : ''}; TTFT ${ttft(GRAPHQL) >= ttft(ENGINE) ? '+' : ''}${fmt(ttft(GRAPHQL) - ttft(ENGINE))} ms`,
      met: worst.v <= 0.05,
    },
    {
      goal: `${plan.label}: p99 event-loop lag < 20 ms on the server's thread while 32 streams decode (GraphQL, clients in their own process)`,
      measured: lag32 ? `p99 ${fmt(lag32.p99)} ms, max ${fmt(lag32.max)} ms` : 'not run',
      met: lag32 ? lag32.p99 < 20 : null,
    },
  ];
  return { tables: [figures, ratios, ...(pairs.length ? [paired] : []), arrivals, lagTable], targets };
}

export async function generation(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const plans: ModelPlan[] = [
    {
      label: 'tessera-lm (4.2M params)',
      dir: path.join(repoRoot, 'models/tessera-lm'),
      tokens: o.quick ? 16 : 64,
      repeats: o.quick ? 1 : 5,
      singleReps: o.quick ? 1 : 3,
      streams: o.quick ? [8] : [8, 32],
      mixed: !o.quick,
      budgetMs: o.quick ? 30_000 : 120_000,
      pulled: false,
      overheadRounds: 0,
    },
  ];
  if (o.gpt2Small) {
    plans.push({
      label: 'GPT-2-small (124M, random weights)',
      dir: o.gpt2Small,
      // 48 new tokens, as the issue measured.
      tokens: o.quick ? 8 : 48,
      // Five rounds: the GraphQL-over-engine share is a few percent, and three rounds' medians
      // on a 2-core machine moved it by as much.
      repeats: o.quick ? 1 : 5,
      singleReps: o.quick ? 1 : 3,
      streams: o.quick ? [8] : [8, 32],
      mixed: !o.quick,
      budgetMs: o.quick ? 60_000 : 480_000,
      pulled: true,
      // ~17 s a round (8 and 32 streams, both contenders).
      overheadRounds: o.quick ? 1 : 10,
    });
  }
  const tables: Table[] = [];
  const targets: Target[] = [];
  for (const plan of plans) {
    const { results, rounds, pairs } = await measureModel(plan, o, log);
    const part = report(plan, results, rounds, pairs);
    tables.push(...part.tables);
    targets.push(...part.targets);
    log(`generation: ${plan.label} against the bare onnxruntime loop, the rooflines and the prefix cache`);
    const reference = await measureReference(plan.label, plan.dir, path.join(plan.dir, 'onnx/model.onnx'), o, plan.tokens, o.quick ? 1 : 4, [1, ...plan.streams]);
    tables.push(...reference.tables);
    targets.push(...reference.targets);
  }
  return {
    suite: 'generation',
    title: 'Text generation: engine vs GraphQL (graphql-ws) vs transformers.js',
    setup: [
      `Models: ${plans.map((p) => `${p.label} (${p.dir})`).join('; ')}`,
      `Greedy decoding, the same 8 prompts cycled over the streams; ${o.threads} intra-op thread(s), 1 inter-op thread for every contender`,
      'Engine and server load the same manifest: tessera-lm with maxBatchSize = the largest stream count; the GPT-2-small export exactly as `models pull` writes it from a local hub stand-in (its batching chosen by the pull for this machine); the server persists every request in SQLite',
      'Event-loop delay: node:perf_hooks monitorEventLoopDelay in the bench process during each timed run; the engine and the GraphQL server run in that process (GraphQL clients: in their own process for the "client process" row), transformers.js too',
      'GraphQL: the `generate` subscription, one WebSocket per stream, clients either in a separate process (as remote clients; the target is judged on this one) or in the server\'s own process (their parsing then shares its thread)',
      'TTFT: request to first token seen by the caller; "tok/s 1 stream": decode rate after the first token; "N streams": all tokens / wall time, N requests started at once',
      `transformers.js, one pipeline, two ways: "static batch" = one generate call over the N left-padded prompts (its fastest, but it cannot stream a batch); "per request" = one streamed generate call per request, all at once, as a server on it would do (up to ${PER_REQUEST_MAX} streams)`,
      'onnxruntime-node runs a session synchronously on the main thread (after a setImmediate), so transformers.js per-request calls interleave step by step on one core, as the engine\'s decode loop does',
      `The mixed row asks 1/8..8/8 of the tokens across ${MIXED_STREAMS} streams: a static batch runs until its longest request is done, continuous batching frees rows as requests end`,
      'Contenders alternate within each round, with a rotating start; figures are medians over the rounds; a full GC runs before each timed workload',
      'GPT-2-small: after the main rounds, overhead rounds run the engine and GraphQL (client process) back to back at 8 and 32 streams (rotating which goes first); their runs join the medians, and the pairs are shown on their own',
      'Reference rows: a bare onnxruntime-node greedy loop on the same file (present fed back as past, argmax, no server) against the generator itself, in alternation; rooflines from a MatMul probe through onnxruntime-node on a 128 MiB float32 matrix (gemv: bytes/s, so 1-stream tok/s ≤ bandwidth / graph bytes; sgemm at 128 rows: FLOP/s, so tok/s ≤ FLOP/s / (2 × weights))',
      'Prefix cache: a ~400-token prompt (less where the context is shorter), then a second one sharing all but its last question, each asking for 1 token; a new prefix every round',
    ],
    tables,
    targets,
    notes: [
      ...(o.gpt2Small ? [] : ['GPT-2-small export not found: build it with scripts/build-random-gpt2.sh <dir> and pass --gpt2-small <dir>; the targets are stated for that size.']),
      'Token counts come from each contender itself (random weights may stop early at an end-of-sequence token); they match across contenders when the greedy paths agree.',
    ],
  };
}
