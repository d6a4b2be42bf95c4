/**
 * constrained: the cost of structured output. The same prompts decoded greedily by the
 * engine's text generator, unconstrained and under a JSON schema, 1 and 8 concurrent
 * streams, alternating within each round. The schema mixes a free string (a state that
 * repeats, so its mask is cached), bounded strings (a new state per character, each mask
 * computed once then reused), enums, integers and a bounded array.
 * On models/tessera-lm, and on the GPT-2-small random-weights export when present.
 */
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { JsonConstraint } from '../../src/inference/generation/constraints/json-constraint.js';
import { TextGenerator } from '../../src/inference/generation/index.js';
import { planOutput } from '../../src/inference/generation/front.js';
import type { GenerationRequest } from '../../src/inference/generation/types.js';
import { fmt, percent, type SuiteReport, type Table, type Target } from '../lib/report.js';
import { removeDir, repoRoot, tempDir, type BenchOptions } from '../lib/setup.js';
import { collectGarbage, median, rotated, within } from '../lib/stats.js';

const PROMPTS = [
  'Once upon a time',
  'The little dog',
  'One day, a girl named Lily',
  'Tom and his mom went',
  'In the big park',
  'The sun was hot and',
  'A bird sat on the',
  'Ben wanted to play',
];

export const BENCH_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    mood: { enum: ['happy', 'sad', 'scared', 'calm'] },
    characters: { type: 'array', items: { type: 'string', maxLength: 24 }, minItems: 1, maxItems: 6 },
    year: { type: 'integer' },
    summary: { type: 'string', maxLength: 200 },
  },
  required: ['title', 'mood', 'characters', 'year', 'summary'],
  additionalProperties: false,
};

type Variant = 'unconstrained' | 'json schema';
const VARIANTS: Variant[] = ['unconstrained', 'json schema'];

interface Plan {
  label: string;
  dir: string;
  tokens: number;
  rounds: number;
  budgetMs: number;
}

interface Sample {
  /** Decode rate after the first token (1 stream) or all tokens over wall time (N streams). */
  tokensPerSecond: number;
  tokens: number;
  /** The token ids of each stream, for replaying constrained runs. */
  ids: number[][];
}

const requestFor = (variant: Variant, prompt: string, tokens: number): GenerationRequest => ({
  prompt,
  maxTokens: tokens,
  ...(variant === 'json schema' ? { responseFormat: { type: 'json_schema', schema: BENCH_SCHEMA } } : {}),
});

async function runStreams(generator: TextGenerator, variant: Variant, streams: number, tokens: number, offset: number): Promise<Sample> {
  const started = performance.now();
  const perStream = await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      let first: number | null = null;
      let last = 0;
      let count = 0;
      const ids: number[] = [];
      for await (const event of generator.generate(requestFor(variant, PROMPTS[(i + offset) % PROMPTS.length], tokens))) {
        if (event.type === 'token') {
          ids.push(event.tokenId);
          first ??= performance.now();
          last = performance.now();
        } else if (event.type === 'completed') {
          count = event.usage.completionTokens;
          if (event.finishReason === 'ERROR') throw new Error(`${variant}: ${event.error?.message}`);
          if (variant === 'json schema' && event.json === undefined && event.finishReason !== 'LENGTH') throw new Error('constrained run ended without json');
        }
      }
      return { first: first ?? last, last, count, ids };
    }),
  );
  const wall = performance.now() - started;
  const tokensTotal = perStream.reduce((sum, s) => sum + s.count, 0);
  if (streams === 1) {
    const s = perStream[0];
    return { tokens: s.count, tokensPerSecond: s.last > s.first ? ((s.count - 1) * 1000) / (s.last - s.first) : NaN, ids: [s.ids] };
  }
  return { tokens: tokensTotal, tokensPerSecond: (tokensTotal * 1000) / wall, ids: perStream.map((s) => s.ids) };
}

/**
 * The constraint's own cost per token, apart from the model: the recorded constrained
 * outputs replayed through a fresh row state (mask applied to a logits row, picked token
 * followed), with the masks as warm as in the runs. Less at the mercy of a busy machine
 * than a difference of two throughputs.
 */
function replayMicros(generator: TextGenerator, outputs: number[][], tokens: number): number {
  const grammar = generator.outputGrammar(planOutput(requestFor('json schema', '', tokens)));
  const logits = new Float32Array(generator.tokenizer.vocabSize);
  let steps = 0;
  const started = performance.now();
  for (const ids of outputs) {
    const constraint = new JsonConstraint(grammar!);
    ids.forEach((id, i) => {
      logits.fill(0);
      constraint.apply(logits, tokens - i, null);
      constraint.accept(id);
      steps += 1;
    });
  }
  return ((performance.now() - started) * 1000) / steps;
}

const CONFIG_FILES = new Set(['config.json', 'generation_config.json', 'tokenizer_config.json']);

/**
 * The model folder without an end-of-sequence token (files linked, configs rewritten), so
 * every unconstrained stream runs to maxTokens: otherwise tessera-lm ends its stories after
 * a dozen tokens while the JSON runs on, and rates over different lengths do not compare.
 */
async function withoutEndOfSequence(dir: string): Promise<string> {
  const copy = await tempDir('tessera-bench-noeos-');
  for (const entry of await readdir(dir)) {
    if (!CONFIG_FILES.has(entry)) {
      await symlink(path.join(dir, entry), path.join(copy, entry));
      continue;
    }
    const json = JSON.parse(await readFile(path.join(dir, entry), 'utf8')) as Record<string, unknown>;
    delete json.eos_token_id;
    delete json.eos_token;
    await writeFile(path.join(copy, entry), JSON.stringify(json));
  }
  return copy;
}

function* constrainedOutputs(samples: Map<string, Sample[]>): Iterable<number[]> {
  for (const [key, list] of samples) if (key.startsWith('json schema')) for (const sample of list) yield* sample.ids;
}

async function measure(plan: Plan, o: BenchOptions, log: (line: string) => void) {
  const dir = await withoutEndOfSequence(plan.dir);
  const generator = await TextGenerator.load(dir, {
    createSession: (file) => ort.InferenceSession.create(file, { intraOpNumThreads: o.threads, interOpNumThreads: 1, executionProviders: ['cpu'] }),
    maxBatchSize: 8,
  });
  try {
    // The first constrained request decodes the vocabulary once and starts the mask cache.
    const coldStarted = performance.now();
    const cold = await runStreams(generator, 'json schema', 1, plan.tokens, 0);
    const coldMs = performance.now() - coldStarted;
    await runStreams(generator, 'unconstrained', 1, plan.tokens, 0);
    const samples = new Map<string, Sample[]>();
    const started = performance.now();
    let rounds = 0;
    for (let round = 0; round < plan.rounds; round += 1) {
      if (round >= 2 && performance.now() - started > plan.budgetMs) break;
      for (const streams of [1, 8]) {
        for (const variant of rotated(VARIANTS, round)) {
          collectGarbage();
          const key = `${variant}|${streams}`;
          const sample = await within(300_000, `${plan.label} ${key}`, runStreams(generator, variant, streams, plan.tokens, round));
          samples.set(key, [...(samples.get(key) ?? []), sample]);
        }
      }
      rounds += 1;
      log(`constrained: ${plan.label} round ${rounds}/${plan.rounds} done`);
    }
    const outputs = [...constrainedOutputs(samples)];
    return { samples, rounds, cold, coldMs, replayUs: replayMicros(generator, outputs, plan.tokens) };
  } finally {
    await generator.close();
    await removeDir(dir);
  }
}

function report(plan: Plan, m: Awaited<ReturnType<typeof measure>>): { tables: Table[]; targets: Target[] } {
  const tps = (variant: Variant, streams: number) => median((m.samples.get(`${variant}|${streams}`) ?? []).map((s) => s.tokensPerSecond));
  const tokens = (variant: Variant, streams: number) => median((m.samples.get(`${variant}|${streams}`) ?? []).map((s) => s.tokens));
  const kept = (streams: number) => tps('json schema', streams) / tps('unconstrained', streams);
  const table: Table = {
    title: `${plan.label}: up to ${plan.tokens} new tokens per stream, greedy (medians over ${m.rounds} rounds)`,
    columns: ['variant', 'tok/s 1 stream', 'tok/s 8 streams', 'tokens 1 / 8 streams'],
    rows: VARIANTS.map((v) => [v, fmt(tps(v, 1)), fmt(tps(v, 8)), `${tokens(v, 1)} / ${tokens(v, 8)}`]),
  };
  table.rows.push(['json schema / unconstrained', percent(kept(1) - 1), percent(kept(8) - 1), '']);
  const perToken = 1e6 / tps('unconstrained', 1);
  const replay: Table = {
    title: `${plan.label}: the constraint's own work per token (recorded outputs replayed, warm masks)`,
    columns: ['µs per token', 'unconstrained µs per token (1 stream)', 'share'],
    rows: [[fmt(m.replayUs), fmt(perToken, 0), `${fmt((m.replayUs / perToken) * 100)}%`]],
  };
  const targets: Target[] = [1, 8].map((streams) => ({
    goal: `${plan.label}: with a JSON schema, ≥ 90% of unconstrained tok/s (${streams} stream${streams > 1 ? 's' : ''})`,
    measured: `${fmt(tps('json schema', streams))} vs ${fmt(tps('unconstrained', streams))} tok/s = ${fmt(kept(streams) * 100, 0)}%`,
    met: kept(streams) >= 0.9,
  }));
  return { tables: [table, replay], targets };
}

export async function constrained(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const plans: Plan[] = [{ label: 'tessera-lm (4.2M params)', dir: path.join(repoRoot, 'models/tessera-lm'), tokens: o.quick ? 24 : 80, rounds: o.quick ? 1 : 7, budgetMs: o.quick ? 20_000 : 120_000 }];
  if (o.gpt2Small) plans.push({ label: 'GPT-2-small (124M, random weights)', dir: o.gpt2Small, tokens: o.quick ? 8 : 48, rounds: o.quick ? 1 : 3, budgetMs: o.quick ? 60_000 : 300_000 });
  const tables: Table[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  for (const plan of plans) {
    const m = await measure(plan, o, log);
    const part = report(plan, m);
    tables.push(...part.tables);
    targets.push(...part.targets);
    notes.push(`${plan.label}: the first constrained request (vocabulary decoded into the token trie, masks computed for the first time) took ${fmt(m.coldMs, 0)} ms for ${m.cold.tokens} tokens.`);
  }
  if (!o.gpt2Small) notes.push('GPT-2-small export not found: build it with scripts/build-random-gpt2.sh <dir> (needs python3-torch) and pass --gpt2-small <dir>.');
  return {
    suite: 'constrained',
    title: 'Structured output: tok/s under a JSON schema vs unconstrained',
    setup: [
      `Models: ${plans.map((p) => `${p.label} (${p.dir})`).join('; ')}`,
      `TextGenerator in-process, greedy, the same 8 prompts; ${o.threads} intra-op thread(s); maxBatchSize 8`,
      `Schema: ${JSON.stringify(BENCH_SCHEMA)}`,
      'tok/s 1 stream: decode rate after the first token; 8 streams: all tokens / wall time, 8 requests started at once',
      "The model's end-of-sequence token is taken out of its configs for both variants, so unconstrained streams run to maxTokens; constrained ones end when the value closes (steered to close near maxTokens), so rates, not totals, are compared",
      'The two variants alternate within each round with a rotating start, after one warm-up request each',
    ],
    tables,
    targets,
    notes,
  };
}
