/**
 * The generation suite's reference rows, measured interleaved in one run: Tessera's generator
 * against the bare onnxruntime-node loop (1 stream, and 8 equal prompts against one batch of
 * 8), both against the gemv/sgemm rooflines, and the prefix cache's time to first token for
 * a second prompt sharing a long prefix with the first.
 */
import { InferenceSession } from 'onnxruntime-node';
import { TextGenerator } from '../../src/inference/generation/index.js';
import { ortSessionOptions } from '../../src/inference/runtime/options.js';
import { openBareDecoder, probeMatMul } from './bare-decoder.js';
import { fmt, ratio, type Table, type Target } from './report.js';
import { sessionSettings, type BenchOptions } from './setup.js';
import { collectGarbage, median } from './stats.js';

const PROMPT = 'Once upon a time there was a little';
const PREFIX_PARAGRAPH =
  'The committee met on a grey morning to review the harbour accounts, the state of the lighthouse, the ferry timetable and the letters the town had received over the winter. ';

interface Figures {
  bare1: number[];
  ours1: number[];
  bare8: number[];
  ours8: number[];
  ttftMiss: number[];
  ttftHit: number[];
}

/** Decode rate after the first token of `streams` equal greedy requests, all tokens counted. */
async function generatorRate(generator: TextGenerator, streams: number, tokens: number): Promise<number> {
  let first = 0;
  let seen = 0;
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for await (const event of generator.generate({ prompt: PROMPT, maxTokens: tokens + 1 })) {
        if (event.type !== 'token') continue;
        seen += 1;
        first ||= performance.now();
      }
    }),
  );
  return ((seen - streams) * 1000) / (performance.now() - first);
}

async function firstTokenMs(generator: TextGenerator, prompt: string): Promise<number> {
  const t0 = performance.now();
  for await (const event of generator.generate({ prompt, maxTokens: 1 })) if (event.type === 'token') return performance.now() - t0;
  throw new Error('no token');
}

/** A prompt of about `tokens` tokens, made unique by `tag` so it starts cold. */
function longPrefix(generator: TextGenerator, tag: string, tokens: number): string {
  let text = `${tag}. `;
  while (generator.promptIds({ prompt: text + PREFIX_PARAGRAPH }).length <= tokens) text += PREFIX_PARAGRAPH;
  return text;
}

export async function measureReference(
  label: string,
  dir: string,
  graph: string,
  o: BenchOptions,
  tokens: number,
  rounds: number,
): Promise<{ tables: Table[]; targets: Target[] }> {
  const settings = sessionSettings(o);
  const generator = await TextGenerator.load(dir, {
    createSession: (file) => InferenceSession.create(file, ortSessionOptions(settings, 'cpu')),
    maxBatchSize: 8,
  });
  const bare = await openBareDecoder(dir, graph, settings);
  const f: Figures = { bare1: [], ours1: [], bare8: [], ours8: [], ttftMiss: [], ttftHit: [] };
  const prefixTokens = Math.min(400, generator.contextLength - 48);
  try {
    const ids = generator.promptIds({ prompt: PROMPT });
    await bare.decode(ids, 8, 4);
    await generatorRate(generator, 8, 4);
    for (let round = 0; round < rounds; round += 1) {
      const pairs: [number[], () => Promise<number>][] = [
        [f.bare1, () => bare.decode(ids, 1, tokens)],
        [f.ours1, () => generatorRate(generator, 1, tokens)],
        [f.bare8, () => bare.decode(ids, 8, tokens)],
        [f.ours8, () => generatorRate(generator, 8, tokens)],
      ];
      for (const [into, run] of round % 2 ? pairs.reverse() : pairs) {
        collectGarbage();
        into.push(await run());
      }
      const prefix = longPrefix(generator, `Minutes ${round}`, prefixTokens);
      f.ttftMiss.push(await firstTokenMs(generator, `${prefix}Question: who chaired it?`));
      f.ttftHit.push(await firstTokenMs(generator, `${prefix}Question: what did the ferry cost?`));
    }
  } finally {
    await bare.close();
  }
  const cacheStats = generator.prefixCacheStats();
  await generator.close();
  const probe = await probeMatMul(settings);

  const m = (values: number[]) => median(values);
  const gemvRoofline = probe.gemvBytesPerSecond / bare.weightBytes;
  const params = bare.weightBytes / 4;
  const sgemmRoofline = probe.sgemmFlopsPerSecond / (2 * params);
  const table: Table = {
    title: `${label}: against the bare onnxruntime-node loop and the rooflines (${tokens} new tokens, medians of ${rounds} interleaved rounds)`,
    columns: ['row', 'tok/s', 'share of bare loop', 'share of roofline'],
    rows: [
      ['bare onnxruntime-node loop, batch 1', fmt(m(f.bare1)), '1.00×', ratio(m(f.bare1) / gemvRoofline)],
      ['tessera generator, 1 stream', fmt(m(f.ours1)), ratio(m(f.ours1) / m(f.bare1)), ratio(m(f.ours1) / gemvRoofline)],
      ['bare onnxruntime-node loop, batch 8 (one static batch)', fmt(m(f.bare8)), '1.00×', ratio(m(f.bare8) / sgemmRoofline)],
      ['tessera generator, 8 streams (equal prompts, continuous batching)', fmt(m(f.ours8)), ratio(m(f.ours8) / m(f.bare8)), ratio(m(f.ours8) / sgemmRoofline)],
      [`roofline, weight streaming (gemv ${fmt(probe.gemvBytesPerSecond / 1e9, 2)} GB/s over ${fmt(bare.weightBytes / 2 ** 20, 0)} MiB)`, fmt(gemvRoofline), '', '1 stream'],
      [`roofline, compute (sgemm ${fmt(probe.sgemmFlopsPerSecond / 1e9)} GFLOP/s, 2 FLOP per weight per token)`, fmt(sgemmRoofline), '', 'many streams'],
    ],
  };
  const speedUp = m(f.ttftMiss) / m(f.ttftHit);
  const prefix: Table = {
    title: `${label}: prefix cache, time to first token of a ~${prefixTokens}-token prompt (ms, medians of ${rounds})`,
    columns: ['first request (miss)', 'second request sharing the prefix (hit)', 'speed-up', 'cache after the run'],
    rows: [[fmt(m(f.ttftMiss)), fmt(m(f.ttftHit)), ratio(speedUp), `${cacheStats.blocks} blocks, ${fmt(cacheStats.bytes / 2 ** 20)} MiB of ${fmt(cacheStats.limitBytes / 2 ** 20, 0)} MiB`]],
  };
  const targets: Target[] = [
    { goal: `${label}: 1 stream ≥ 90% of the bare onnxruntime-node loop`, measured: ratio(m(f.ours1) / m(f.bare1)), met: m(f.ours1) / m(f.bare1) >= 0.9 },
    { goal: `${label}: 8 streams ≥ 90% of the bare loop at batch 8`, measured: ratio(m(f.ours8) / m(f.bare8)), met: m(f.ours8) / m(f.bare8) >= 0.9 },
    { goal: `${label}: a second request sharing a ~${prefixTokens}-token prefix reaches its first token ≥ 4× sooner`, measured: ratio(speedUp), met: speedUp >= 4 },
  ];
  return { tables: [table, prefix], targets };
}
