/**
 * quantized: one stream's decode rate with int8 and int4 MatMulNBits weights (written by
 * `models quantize`, block 32, accuracy_level 4) against the float32 file they came from,
 * all served by the engine in-process, and transformers.js on the float32 file as the
 * issue's yardstick. On models/tessera-lm, and on the GPT-2-small-size export when present.
 */
import { Engine } from '../../src/inference/engine.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import { quantizeModel } from '../../src/quantize/quantize-model.js';
import { engineContender, transformersContenders, type Contender } from '../lib/generation.js';
import { fmt, ratio, type SuiteReport, type Table, type Target } from '../lib/report.js';
import { engineRuntime, lmRepository, removeDir, repoRoot, type BenchOptions } from '../lib/setup.js';
import { collectGarbage, median, rotated, within } from '../lib/stats.js';

interface Plan {
  label: string;
  dir: string;
  tokens: number;
  rounds: number;
  budgetMs: number;
}

const FLOAT = 'float32';
const VARIANTS = [
  { label: 'int8', bits: 8 as const },
  { label: 'int4', bits: 4 as const },
];
const TRANSFORMERS = 'transformers.js float32';

async function measure(plan: Plan, o: BenchOptions, log: (line: string) => void): Promise<{ tps: Map<string, number[]>; sizes: string[] }> {
  const name = 'bench-lm';
  const repo = await lmRepository(plan.dir, name, { maxBatchSize: 1, maxQueue: 4 });
  const contenders: Contender[] = [];
  let engine: Engine | undefined;
  const sizes: string[] = [];
  try {
    for (const variant of VARIANTS) {
      const result = await quantizeModel({ modelsDir: repo, source: name, bits: variant.bits, blockSize: 32, accuracyLevel: 4, target: `${name}-${variant.label}` });
      const g = result.graphs[0];
      sizes.push(`${variant.label}: ${g.rewritten} MatMuls, weights ${fmt(g.weightBytesBefore / 1e6)} MB → ${fmt(g.weightBytesAfter / 1e6)} MB`);
    }
    engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o), logger: silentLogger, limits: { maxImagePixels: 1, maxAudioSeconds: 1 } });
    contenders.push(await engineContender(engine, name, plan.tokens, FLOAT));
    for (const variant of VARIANTS) contenders.push(await engineContender(engine, `${name}-${variant.label}`, plan.tokens, variant.label));
    const [, perRequest] = await transformersContenders(plan.dir, o.threads, plan.tokens, { batch: 'unused', perRequest: TRANSFORMERS, perRequestMax: 1 });
    contenders.push(perRequest);
    log(`quantized: ${plan.label} loaded; measuring`);

    const tps = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const started = performance.now();
    for (let round = 0; round < plan.rounds; round += 1) {
      if (round >= 1 && performance.now() - started > plan.budgetMs) break;
      for (const contender of rotated(contenders, round)) {
        collectGarbage();
        const result = await within(300_000, `${contender.name} 1 stream`, contender.single(plan.tokens));
        tps.get(contender.name)!.push(result.tokensPerSecond);
      }
      log(`quantized: ${plan.label} round ${round + 1}/${plan.rounds} done`);
    }
    return { tps, sizes };
  } finally {
    for (const contender of contenders) await contender.close();
    await engine?.close();
    await removeDir(repo);
  }
}

export async function quantized(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const plans: Plan[] = [
    { label: 'tessera-lm (4.2M)', dir: `${repoRoot}/models/tessera-lm`, tokens: o.quick ? 16 : 64, rounds: o.quick ? 1 : 6, budgetMs: 60_000 },
  ];
  if (o.gpt2Small) plans.push({ label: 'GPT-2-small size (124M)', dir: o.gpt2Small, tokens: o.quick ? 8 : 48, rounds: o.quick ? 1 : 4, budgetMs: 180_000 });

  const tables: Table[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  for (const plan of plans) {
    const { tps, sizes } = await measure(plan, o, log);
    const med = (name: string) => median(tps.get(name)!);
    const float = med(FLOAT);
    const baseline = med(TRANSFORMERS);
    tables.push({
      title: `${plan.label}: 1 stream, ${plan.tokens} new tokens, greedy (medians of ${tps.get(FLOAT)!.length} runs)`,
      columns: ['weights', 'tok/s', 'vs float32 (ours)', `vs ${TRANSFORMERS}`],
      rows: [FLOAT, ...VARIANTS.map((v) => v.label), TRANSFORMERS].map((n) => [n, fmt(med(n)), ratio(med(n) / float), ratio(med(n) / baseline)]),
    });
    notes.push(`${plan.label}: ${sizes.join('; ')}`);
    if (plan.dir === o.gpt2Small) {
      targets.push(
        { goal: 'int8 ≥ 1.8× transformers.js float32 tok/s (GPT-2-small, 1 stream)', measured: ratio(med('int8') / baseline), met: med('int8') / baseline >= 1.8 },
        { goal: 'int4 ≥ 2.5× transformers.js float32 tok/s (GPT-2-small, 1 stream)', measured: ratio(med('int4') / baseline), met: med('int4') / baseline >= 2.5 },
      );
    }
  }
  if (!o.gpt2Small) {
    notes.push('No GPT-2-small-size export (scripts/build-random-gpt2.sh needs python3-torch and python3-onnx): its targets are not measured.');
    targets.push({ goal: 'int8 ≥ 1.8× / int4 ≥ 2.5× transformers.js float32 (GPT-2-small)', measured: 'no GPT-2-small export', met: null });
  }
  return {
    suite: 'quantized',
    title: 'Quantized weights: int8 and int4 MatMulNBits vs float32, 1 stream',
    setup: [
      `onnxruntime intra-op threads ${o.threads}; the engine in-process, maxBatchSize 1; variants interleaved, starting variant rotated per round`,
      'int8/int4: `models quantize --weights int8|int4 --block 32 --accuracy-level 4` of the same float32 file',
    ],
    tables,
    targets,
    notes,
  };
}
