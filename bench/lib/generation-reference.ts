/**
 * The generation suite's reference rows, measured interleaved in one run: Tessera's generator
 * against the bare onnxruntime-node loop (1 stream, and N equal prompts against one batch of
 * N), both against the gemv/sgemm rooflines, and the prefix cache's time to first token for
 * a second prompt sharing a long prefix with the first.
 */
import { loadTextGenerator } from '../../src/inference/decode-thread/load-generator.js';
import type { TextGeneratorInfo } from '../../src/inference/generation/text-generator.js';
import { openBareDecoder, probeMatMul } from './bare-decoder.js';
import { fmt, ratio, type Table, type Target } from './report.js';
import { sessionSettings, type BenchOptions } from './setup.js';
import { collectGarbage, median } from './stats.js';

const PROMPT = 'Once upon a time there was a little';
const PREFIX_PARAGRAPH =
  'The committee met on a grey morning to review the harbour accounts, the state of the lighthouse, the ferry timetable and the letters the town had received over the winter. ';

/** Per batch width, the bare loop's and the generator's tok/s, one entry per round. */
type Rates = Map<number, { bare: number[]; ours: number[] }>;

/** Decode rate after the first token of `streams` equal greedy requests, all tokens counted. */
async function generatorRate(generator: TextGeneratorInfo, streams: number, tokens: number): Promise<number> {
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

async function firstTokenMs(generator: TextGeneratorInfo, prompt: string): Promise<number> {
  const t0 = performance.now();
  for await (const event of generator.generate({ prompt, maxTokens: 1 })) if (event.type === 'token') return performance.now() - t0;
  throw new Error('no token');
}

/** A prompt of about `tokens` tokens, made unique by `tag` so it starts cold. */
function longPrefix(generator: TextGeneratorInfo, tag: string, tokens: number): string {
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
  widths: readonly number[] = [1, 8],
): Promise<{ tables: Table[]; targets: Target[] }> {
  const settings = sessionSettings(o);
  // The generator as the server runs it: its loop on a decode thread, tokens counted here.
  const { generator } = await loadTextGenerator({ dir, settings, maxBatchSize: Math.max(...widths) }, 'worker');
  const bare = await openBareDecoder(dir, graph, settings);
  const rates: Rates = new Map(widths.map((w) => [w, { bare: [], ours: [] }]));
  const ttft = { miss: [] as number[], hit: [] as number[] };
  const prefixTokens = Math.min(400, generator.contextLength - 48);
  try {
    const ids = generator.promptIds({ prompt: PROMPT });
    await bare.decode(ids, 8, 4);
    await generatorRate(generator, 8, 4);
    for (let round = 0; round < rounds; round += 1) {
      const runs: [number[], () => Promise<number>][] = widths.flatMap((w) => [
        [rates.get(w)!.bare, () => bare.decode(ids, w, tokens)] as [number[], () => Promise<number>],
        [rates.get(w)!.ours, () => generatorRate(generator, w, tokens)] as [number[], () => Promise<number>],
      ]);
      for (const [into, run] of round % 2 ? runs.reverse() : runs) {
        collectGarbage();
        into.push(await run());
      }
      const prefix = longPrefix(generator, `Minutes ${round}`, prefixTokens);
      ttft.miss.push(await firstTokenMs(generator, `${prefix}Question: who chaired it?`));
      ttft.hit.push(await firstTokenMs(generator, `${prefix}Question: what did the ferry cost?`));
    }
  } finally {
    await bare.close();
  }
  const cacheStats = generator.prefixCacheStats();
  await generator.close();
  const probe = await probeMatMul(settings);

  const gemvRoofline = probe.gemvBytesPerSecond / bare.weightBytes;
  const sgemmRoofline = probe.sgemmFlopsPerSecond / (2 * (bare.weightBytes / 4));
  const bareOf = (w: number) => median(rates.get(w)!.bare);
  const oursOf = (w: number) => median(rates.get(w)!.ours);
  const roofline = (w: number) => (w === 1 ? gemvRoofline : sgemmRoofline);
  const table: Table = {
    title: `${label}: against the bare onnxruntime-node loop and the rooflines (${tokens} new tokens, medians of ${rounds} interleaved rounds)`,
    columns: ['row', 'tok/s', 'share of bare loop', 'share of roofline'],
    rows: [
      ...widths.flatMap((w) => [
        [w === 1 ? 'bare onnxruntime-node loop, batch 1' : `bare onnxruntime-node loop, one static batch of ${w}`, fmt(bareOf(w)), '1.00×', ratio(bareOf(w) / roofline(w))],
        [w === 1 ? 'tessera generator, 1 stream' : `tessera generator, ${w} streams (equal prompts, continuous batching)`, fmt(oursOf(w)), ratio(oursOf(w) / bareOf(w)), ratio(oursOf(w) / roofline(w))],
      ]),
      [`roofline, weight streaming (gemv ${fmt(probe.gemvBytesPerSecond / 1e9, 2)} GB/s over ${fmt(bare.weightBytes / 2 ** 20, 0)} MiB)`, fmt(gemvRoofline), '', '1 stream'],
      [`roofline, compute (sgemm ${fmt(probe.sgemmFlopsPerSecond / 1e9)} GFLOP/s, 2 FLOP per weight per token)`, fmt(sgemmRoofline), '', 'many streams'],
    ],
  };
  const speedUp = median(ttft.miss) / median(ttft.hit);
  const prefix: Table = {
    title: `${label}: prefix cache, time to first token of a ~${prefixTokens}-token prompt (ms, medians of ${rounds})`,
    columns: ['first request (miss)', 'second request sharing the prefix (hit)', 'speed-up', 'cache after the run'],
    rows: [[fmt(median(ttft.miss)), fmt(median(ttft.hit)), ratio(speedUp), `${cacheStats.blocks} blocks, ${fmt(cacheStats.bytes / 2 ** 20)} MiB of ${fmt(cacheStats.limitBytes / 2 ** 20, 0)} MiB`]],
  };
  const share = (w: number) => oursOf(w) / bareOf(w);
  const targets: Target[] = [
    ...widths
      .filter((w) => w <= 8)
      .map((w) => ({ goal: `${label}: ${w === 1 ? '1 stream' : `${w} streams`} ≥ 90% of the bare onnxruntime-node loop${w === 1 ? '' : ` at batch ${w}`}`, measured: ratio(share(w)), met: share(w) >= 0.9 })),
    ...widths
      .filter((w) => w >= 32)
      .map((w) => ({ goal: `${label}: ${w} streams ≥ 40% of the compute roofline (sgemm)`, measured: ratio(oursOf(w) / sgemmRoofline), met: oursOf(w) / sgemmRoofline >= 0.4 })),
    { goal: `${label}: a second request sharing a ~${prefixTokens}-token prefix reaches its first token ≥ 4× sooner`, measured: ratio(speedUp), met: speedUp >= 4 },
  ];
  return { tables: [table, prefix], targets };
}
