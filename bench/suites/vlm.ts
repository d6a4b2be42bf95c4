/**
 * vlm: the default vision-language model (models/tessera-vlm) through the engine:
 *   image + question  — the scene and "What colour is the star?" in one message
 *   question only     — the same question with no image (no vision encoder, 16 fewer prompt tokens)
 * interleaved request by request, reporting time to first token (which includes decoding,
 * preprocessing and the vision encoder) and tokens/s; then concurrent image questions,
 * which share the decode loop's steps, against the same questions one after another.
 */
import { Engine } from '../../src/inference/engine.js';
import type { GenerationRequest } from '../../src/inference/generation/types.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import { COLOURS, SHAPES, renderScene, type Colour } from '../../test/fixtures/vision/shapes.js';
import { fmt, ratio, type SuiteReport, type Table } from '../lib/report.js';
import { engineRuntime, removeDir, type BenchOptions } from '../lib/setup.js';
import { interleave, summarize, within } from '../lib/stats.js';
import { repository, timeStream, type Sample } from './captioning.js';

const MODEL = 'tessera-vlm';
const CONCURRENT = 8;

function question(shape: string, image?: Uint8Array): GenerationRequest {
  const text = `What colour is the ${shape}?`;
  return {
    messages: [{ role: 'user', content: text, parts: image ? [{ type: 'image', image }, { type: 'text', text }] : null }],
  };
}

export async function vlm(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const repo = await repository(MODEL);
  const engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o), logger: silentLogger, limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 30 } });
  try {
    await engine.preloaded();
    const colours = Object.keys(COLOURS) as Colour[];
    const scenes = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const shape = SHAPES[(i * 5 + 1) % 6];
        const png = await renderScene({ colour: colours[i % 6], shape, background: (['white', 'gray', 'black'] as const)[i % 3], cx: 0.5, cy: 0.5, r: 0.2 }, 64);
        return { shape, png };
      }),
    );
    const ask = async (request: GenerationRequest): Promise<Sample> => {
      const started = performance.now();
      return timeStream(await engine.generateFromImages(MODEL, request), started);
    };
    for (const s of scenes.slice(0, 3)) {
      await ask(question(s.shape, s.png));
      await ask(question(s.shape));
    }
    const variants = ['image + question', 'question only'] as const;
    const samples = await interleave(variants, { rounds: o.quick ? 4 : 60, budgetMs: o.quick ? 10_000 : 60_000, minRounds: 3 }, (variant, round) => {
      const s = scenes[round % CONCURRENT];
      return within(30_000, variant, ask(question(s.shape, variant === 'image + question' ? s.png : undefined)));
    });
    const stat = (variant: (typeof variants)[number]) => {
      const list = samples.get(variant)!;
      return {
        n: list.length,
        ttft: summarize(list.map((s) => s.ttftMs)),
        total: summarize(list.map((s) => s.totalMs)),
        tps: summarize(list.map((s) => ((s.tokens - 1) / (s.totalMs - s.ttftMs)) * 1000)),
        tokens: summarize(list.map((s) => s.tokens)),
      };
    };
    const withImage = stat('image + question');
    const textOnly = stat('question only');
    log(`ttft p50: image ${fmt(withImage.ttft.p50, 2)} ms, text ${fmt(textOnly.ttft.p50, 2)} ms`);

    const burst = ['one at a time', `${CONCURRENT} at once`] as const;
    const burstSamples = await interleave(burst, { rounds: o.quick ? 2 : 10, budgetMs: o.quick ? 10_000 : 45_000, minRounds: 2 }, async (variant) => {
      const started = performance.now();
      let tokens = 0;
      if (variant === 'one at a time') for (const s of scenes) tokens += (await ask(question(s.shape, s.png))).tokens;
      else tokens = (await Promise.all(scenes.map((s) => ask(question(s.shape, s.png))))).reduce((sum, r) => sum + r.tokens, 0);
      return { ms: performance.now() - started, tokens };
    });
    const burstStat = (variant: (typeof burst)[number]) => {
      const list = burstSamples.get(variant)!;
      return { ms: summarize(list.map((s) => s.ms)), tps: summarize(list.map((s) => (s.tokens / s.ms) * 1000)) };
    };
    const serial = burstStat('one at a time');
    const parallel = burstStat(`${CONCURRENT} at once`);
    const latency: Table = {
      title: `One question at a time (p50 of ${withImage.n} interleaved requests each; ${fmt(withImage.tokens.p50, 0)} tokens per answer)`,
      columns: ['prompt', 'time to first token (ms)', 'p95 ttft (ms)', 'whole answer (ms)', 'decode tokens/s'],
      rows: [
        ['image + question', fmt(withImage.ttft.p50, 2), fmt(withImage.ttft.p95, 2), fmt(withImage.total.p50, 2), fmt(withImage.tps.p50, 0)],
        ['question only', fmt(textOnly.ttft.p50, 2), fmt(textOnly.ttft.p95, 2), fmt(textOnly.total.p50, 2), fmt(textOnly.tps.p50, 0)],
        ['image / text', ratio(withImage.ttft.p50 / textOnly.ttft.p50), ratio(withImage.ttft.p95 / textOnly.ttft.p95), ratio(withImage.total.p50 / textOnly.total.p50), ratio(withImage.tps.p50 / textOnly.tps.p50)],
      ],
    };
    const burstTable: Table = {
      title: `${CONCURRENT} image questions through the engine (p50 of ${burstSamples.get('one at a time')!.length} rounds)`,
      columns: ['how', 'all answers (ms)', 'tokens/s'],
      rows: [
        ['one at a time', fmt(serial.ms.p50, 1), fmt(serial.tps.p50, 0)],
        [`${CONCURRENT} at once (shared decode steps)`, fmt(parallel.ms.p50, 1), fmt(parallel.tps.p50, 0)],
        ['speed-up', ratio(serial.ms.p50 / parallel.ms.p50), ratio(parallel.tps.p50 / serial.tps.p50)],
      ],
    };
    return {
      suite: 'vlm',
      title: 'Vision-language: tessera-vlm, image + question vs question only, concurrent image questions',
      setup: [
        `${MODEL} (captioner CNN encoder + projector, 16 image tokens, 2-layer decoder taking inputs_embeds), greedy, default maxTokens; ${CONCURRENT} rendered 64×64 scenes in rotation`,
        'time to first token is measured from the engine call: PNG decode, preprocessing, vision encoder, embed_tokens, prefill and the first sampled token',
        `Concurrency: ${CONCURRENT} image questions submitted together; each runs its vision encoder, then the prefills and decode steps are batched by the generation loop (maxBatchSize 8)`,
      ],
      tables: [latency, burstTable],
      targets: [],
      notes: ['The vision encoder runs per request (not batched across requests); only the decoder shares steps.'],
    };
  } finally {
    await engine.close();
    await removeDir(repo);
  }
}
