/**
 * pipeline: what running a chain as one pipeline request costs over running its steps by hand.
 * The chain is "summarise this receipt": a 640×480 receipt → OCR (paddleocr-v4) → generation
 * (tessera-lm, greedy, fixed maxTokens), the same image and parameters for every variant:
 *   engine     Engine.recognizeText, then Engine.generate on the rendered template, in sequence
 *   separate   the recognizeText mutation, then the generateText mutation (two HTTP round trips,
 *              two top-level rows), the client rendering the template
 *   pipeline   one runPipelineOnce mutation (one HTTP round trip, a pipeline row + two step rows)
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Engine } from '../../src/inference/engine.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import { gql } from '../../test/support/client.js';
import { GenerateTextDocument, RecognizeTextDocument, RequestByIdDocument, RunPipelineOnceDocument } from '../../test/generated/graphql.js';
import { fmt, percent, ratio, type SuiteReport } from '../lib/report.js';
import { engineRuntime, lmRepository, removeDir, repoRoot, startServer, type BenchOptions, type TestServer } from '../lib/setup.js';
import { interleave, summarize, within } from '../lib/stats.js';
import { renderPage } from './ocr-overhead.js';

const OCR = 'paddleocr-v4';
const LM = 'tessera-lm';
const LIMITS = { maxImagePixels: 40_000_000, maxAudioSeconds: 600 };
const TEMPLATE = 'Summarise this receipt:\n{{input}}\nSummary:';
const MAX_TOKENS = 16;
const VARIANTS = ['engine', 'separate', 'pipeline'] as const;
type Variant = (typeof VARIANTS)[number];

const render = (text: string) => TEMPLATE.replaceAll('{{input}}', text);

function check<T>(body: { data?: T | null; errors?: unknown }, what: string): T {
  if (body.errors || !body.data) throw new Error(`${what} failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export async function pipeline(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  // The LM's files linked as they are, with the OCR manifest beside them (its files come from node_modules).
  const repo = await lmRepository(path.join(repoRoot, 'models', LM), LM, { maxBatchSize: 16, maxQueue: 64 });
  await mkdir(path.join(repo, OCR));
  await copyFile(path.join(repoRoot, 'models', OCR, 'model.json'), path.join(repo, OCR, 'model.json'));
  const page = (await renderPage()).toString('base64');
  const bytes = new Uint8Array(Buffer.from(page, 'base64'));
  let engine: Engine | undefined;
  let server: TestServer | undefined;
  try {
    engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o), logger: silentLogger, limits: LIMITS });
    await engine.preloaded();
    await engine.loadModel(OCR);
    server = await startServer(repo, o);
    await server.app.services.engine.preloaded();
    const url = server.graphqlUrl;
    const direct = engine;

    /**
     * One chain. `insideMs` gives the time the two models computed (OCR's and generation's own
     * computeMs, as the engine or the step rows report them), read after the timed call.
     */
    const once: Record<Variant, () => Promise<{ answer: string; insideMs: () => Promise<number> }>> = {
      engine: async () => {
        const { text, stats } = await direct.recognizeText(OCR, bytes);
        let answer = '';
        let generationMs = 0;
        for await (const event of await direct.generate(LM, { prompt: render(text), maxTokens: MAX_TOKENS })) {
          if (event.type === 'completed') {
            answer = event.text;
            generationMs = event.timings.computeMs;
          }
        }
        return { answer, insideMs: async () => stats.computeMs + generationMs };
      },
      separate: async () => {
        const ocr = check((await gql(url, RecognizeTextDocument, { input: { image: { base64: page }, model: OCR } })).body, 'recognizeText');
        const generated = check(
          (await gql(url, GenerateTextDocument, { input: { model: LM, prompt: render(ocr.recognizeText.text), maxTokens: MAX_TOKENS } })).body,
          'generateText',
        );
        const generationId = generated.generateText.request.id;
        const ocrMs = ocr.recognizeText.request.computeMs ?? Number.NaN;
        return {
          answer: generated.generateText.text,
          insideMs: async () => {
            const row = check((await gql(url, RequestByIdDocument, { id: generationId })).body, 'request');
            return ocrMs + (row.request?.computeMs ?? Number.NaN);
          },
        };
      },
      pipeline: async () => {
        const result = check(
          (
            await gql(url, RunPipelineOnceDocument, {
              input: {
                steps: [
                  { task: 'RECOGNIZE_TEXT', model: OCR },
                  { task: 'GENERATE', model: LM, template: TEMPLATE, generation: { maxTokens: MAX_TOKENS } },
                ],
                inputs: { image: { base64: page } },
              },
            })
          ).body,
          'runPipelineOnce',
        );
        const { output, request } = result.runPipelineOnce;
        return { answer: output.text ?? '', insideMs: async () => request.steps.reduce((sum, step) => sum + (step.computeMs ?? Number.NaN), 0) };
      },
    };

    // Warm-up, and proof that the three paths give the same answer (greedy decoding).
    const answers = new Map<Variant, string>();
    for (let i = 0; i < (o.quick ? 1 : 3); i += 1) {
      for (const v of VARIANTS) answers.set(v, (await within(120_000, `${v} warm-up`, once[v]())).answer);
    }
    log(`pipeline: the chain answers ${JSON.stringify(answers.get('engine'))}`);
    const mismatched = VARIANTS.filter((v) => answers.get(v) !== answers.get('engine'));

    const samples = await interleave(VARIANTS, { rounds: o.quick ? 3 : 30, minRounds: 2, budgetMs: o.quick ? 30_000 : 240_000 }, async (v) => {
      const t0 = performance.now();
      const { insideMs } = await within(120_000, v, once[v]());
      const wallMs = performance.now() - t0;
      return { wallMs, outsideMs: wallMs - (await insideMs()) };
    });
    const stats = new Map(VARIANTS.map((v) => [v, summarize(samples.get(v)!.map((x) => x.wallMs))]));
    const outside = new Map(VARIANTS.map((v) => [v, summarize(samples.get(v)!.map((x) => x.outsideMs))]));
    const eo = outside.get('engine')!;
    const so = outside.get('separate')!;
    const po = outside.get('pipeline')!;
    const e = stats.get('engine')!;
    const s = stats.get('separate')!;
    const p = stats.get('pipeline')!;
    const includes: Record<Variant, string> = {
      engine: 'two engine calls in sequence, no HTTP, no rows',
      separate: 'recognizeText + generateText mutations over HTTP, two rows',
      pipeline: 'one runPipelineOnce mutation over HTTP, pipeline row + two step rows',
    };
    return {
      suite: 'pipeline',
      title: 'Pipeline overhead: receipt → OCR → generation as one pipeline vs its steps by hand',
      setup: [
        `${OCR} then ${LM} (greedy, maxTokens ${MAX_TOKENS}), template ${JSON.stringify(TEMPLATE)}; the 640×480 page of the ocr-overhead suite, sent as base64`,
        `${o.threads} intra-op thread(s), 1 inter-op thread, CPU; the server and the engine variant each hold their own sessions`,
        `N = ${e.n} timed chains per variant after ${o.quick ? 1 : 3} warm-up each; variants interleaved round by round with a rotating start, full GC before each`,
        '"outside": wall time minus the OCR and generation computeMs of the same chain (the engine\'s stats, or the rows the server wrote, read after the timed call): HTTP, GraphQL, persistence, media decoding and queueing, without the models\' run-to-run noise',
      ],
      tables: [
        {
          title: 'Latency per chain',
          columns: ['variant', 'includes', 'N', 'p50 ms', 'p95 ms', 'mean ms', 'p50 / engine', 'p50 / separate', 'outside p50 ms'],
          rows: VARIANTS.map((v) => {
            const x = stats.get(v)!;
            return [v, includes[v], x.n, fmt(x.p50), fmt(x.p95), fmt(x.mean), ratio(x.p50 / e.p50), ratio(x.p50 / s.p50), fmt(outside.get(v)!.p50)];
          }),
        },
        {
          title: 'Time outside the two models, paired per chain (wall − OCR computeMs − generation computeMs)',
          columns: ['comparison', 'ms (p50 difference)', 'of the engine chain p50'],
          rows: [
            ['pipeline − engine', fmt(po.p50 - eo.p50), percent((po.p50 - eo.p50) / e.p50)],
            ['separate − engine', fmt(so.p50 - eo.p50), percent((so.p50 - eo.p50) / e.p50)],
            ['pipeline − separate', fmt(po.p50 - so.p50), percent((po.p50 - so.p50) / e.p50)],
          ],
        },
      ],
      targets: [
        {
          goal: 'A pipeline costs no more than its steps as separate mutations (p50 within 5%)',
          measured: `pipeline p50 ${fmt(p.p50)} ms vs separate ${fmt(s.p50)} ms: ${percent(p.p50 / s.p50 - 1)}`,
          met: p.p50 <= s.p50 * 1.05,
        },
        {
          goal: 'Pipeline through GraphQL ≤ 10% over the same engine calls in sequence',
          measured: `pipeline p50 ${fmt(p.p50)} ms vs engine ${fmt(e.p50)} ms: ${percent(p.p50 / e.p50 - 1)}; paired, outside the models: ${fmt(po.p50 - eo.p50)} ms = ${percent((po.p50 - eo.p50) / e.p50)}`,
          met: p.p50 <= e.p50 * 1.1,
        },
      ],
      notes: mismatched.length
        ? [`answers differ from the engine path for: ${mismatched.map((v) => `${v} ${JSON.stringify(answers.get(v))}`).join('; ')}`]
        : ['All three variants gave the same answer.'],
    };
  } finally {
    await server?.close();
    await engine?.close();
    await removeDir(repo);
  }
}
