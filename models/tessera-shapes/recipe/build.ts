/**
 * Builds tessera-shapes, a standard image classifier (one graph pixel_values → logits,
 * id2label in config.json) derived from tessera-clip without further training: its vision
 * tower, then a fixed linear head whose rows are tessera-clip's text embeddings of the 36
 * colour × shape names, times its logit scale. So logits[k] = scale · cos(image, "a <name k>"),
 * the zero-shot classifier frozen into weights. Then evaluates it on rendered scenes.
 *
 *   npx tsx models/tessera-shapes/recipe/build.ts      (from the repo root; ~1 min)
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { Engine } from '../../../src/inference/engine.js';
import { silentLogger } from '../../../src/inference/runtime/logger.js';
import { COLOURS, HELD_OUT, SHAPES, renderScene, scenesOf, type Colour } from '../../../test/fixtures/vision/shapes.js';

const { onnx } = onnxProto;
const OUT = path.resolve('models/tessera-shapes');
const CLIP = path.resolve('models/tessera-clip');
const runtime = { executionProvider: 'cpu' as const, intraOpThreads: 1, interOpThreads: 1 };
const limits = { maxImagePixels: 1_000_000, maxAudioSeconds: 1 };

const pairs = (Object.keys(COLOURS) as Colour[]).flatMap((colour) => SHAPES.map((shape) => ({ colour, shape, label: `${colour} ${shape}` })));
/** How tessera-clip's captions name one object: "a red circle", "an orange square". */
const prompt = (label: string) => `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label}`;

async function classTextEmbeddings(): Promise<{ vectors: Float32Array[]; scale: number }> {
  const repo = mkdtempSync(path.join(tmpdir(), 'tessera-shapes-build-'));
  cpSync(CLIP, path.join(repo, 'tessera-clip'), { recursive: true, filter: (src) => !src.includes('recipe') });
  const engine = await Engine.create({ modelsDir: repo, runtime, logger: silentLogger, limits });
  try {
    const vectors = [];
    for (const { label } of pairs) vectors.push((await engine.embed('tessera-clip', { text: prompt(label) }, {})).vector);
    const scale = engine.manifest('tessera-clip')!.settings.logitScale as number;
    return { vectors, scale };
  } finally {
    await engine.close();
    rmSync(repo, { recursive: true, force: true });
  }
}

function withHead(visionGraph: Uint8Array, vectors: Float32Array[], scale: number): Uint8Array {
  const model = onnx.ModelProto.decode(visionGraph);
  const graph = model.graph!;
  const embeds = graph.output[0];
  const dim = vectors[0].length;
  // weight [dim, classes]: column k is class k's text embedding, scaled.
  const weight = new Float32Array(dim * vectors.length);
  vectors.forEach((v, k) => v.forEach((x, d) => (weight[d * vectors.length + k] = scale * x)));
  graph.initializer.push(
    onnx.TensorProto.create({ name: 'classifier.weight', dims: [dim, vectors.length], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(weight.buffer) }),
  );
  graph.node.push(onnx.NodeProto.create({ opType: 'MatMul', input: [embeds.name!, 'classifier.weight'], output: ['logits'], name: 'classifier' }));
  const batch = embeds.type!.tensorType!.shape!.dim![0];
  graph.output = [
    onnx.ValueInfoProto.create({
      name: 'logits',
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [batch, { dimValue: vectors.length }] } } },
    }),
  ];
  model.producerName = 'tessera-shapes recipe (tessera-clip vision tower + text-embedding head)';
  return onnx.ModelProto.encode(model).finish();
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function evaluate(): Promise<Record<string, unknown>> {
  const repo = mkdtempSync(path.join(tmpdir(), 'tessera-shapes-eval-'));
  cpSync(OUT, path.join(repo, 'tessera-shapes'), { recursive: true, filter: (src) => !src.includes('recipe') && !src.endsWith('README.md') });
  const engine = await Engine.create({ modelsDir: repo, runtime, logger: silentLogger, limits });
  const held = new Set(HELD_OUT.map(([c, s]) => `${c} ${s}`));
  const tally = { heldOut: [0, 0], seen: [0, 0] };
  const perPair: Record<string, string> = {};
  try {
    for (const { colour, shape, label } of pairs) {
      let right = 0;
      const scenes = scenesOf(colour, shape);
      for (const scene of scenes) {
        const result = await engine.classifyImage('tessera-shapes', await renderScene(scene), { topK: 1 });
        if (result.labels[0].label === label) right += 1;
      }
      const bucket = held.has(label) ? tally.heldOut : tally.seen;
      bucket[0] += right;
      bucket[1] += scenes.length;
      if (held.has(label)) perPair[label] = `${right}/${scenes.length}`;
    }
  } finally {
    await engine.close();
    rmSync(repo, { recursive: true, force: true });
  }
  return {
    images: 'test/fixtures/vision/shapes.ts scenesOf(): per pair, 3 backgrounds x 3 placements (one large centred, two small off-centre), 128x128 PNG',
    held_out_pairs_accuracy: tally.heldOut[0] / tally.heldOut[1],
    held_out_images: tally.heldOut[1],
    seen_pairs_accuracy: tally.seen[0] / tally.seen[1],
    seen_images: tally.seen[1],
    held_out_per_pair: perPair,
  };
}

const { vectors, scale } = await classTextEmbeddings();
mkdirSync(path.join(OUT, 'onnx'), { recursive: true });
writeFileSync(path.join(OUT, 'onnx/model.onnx'), withHead(readFileSync(path.join(CLIP, 'onnx/vision_model.onnx')), vectors, scale));
const labels = pairs.map((p) => p.label);
writeFileSync(
  path.join(OUT, 'config.json'),
  json({
    architectures: ['TesseraShapesForImageClassification'],
    model_type: 'tessera_clip_linear_head',
    problem_type: 'single_label_classification',
    num_labels: labels.length,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    head: { from: 'tessera-clip text tower', prompts: labels.map(prompt), logit_scale: scale },
  }),
);
cpSync(path.join(CLIP, 'preprocessor_config.json'), path.join(OUT, 'preprocessor_config.json'));
const files = { model: 'onnx/model.onnx', config: 'config.json', preprocessor: 'preprocessor_config.json' };
writeFileSync(
  path.join(OUT, 'model.json'),
  json({
    name: 'tessera-shapes',
    task: 'IMAGE_CLASSIFICATION',
    description: 'Colour x shape classifier (36 classes) for flat synthetic shapes: tessera-clip vision tower with a fixed head of its text embeddings',
    inputModalities: ['IMAGE'],
    outputModalities: ['LABELS'],
    source: 'trained here (models/tessera-shapes/recipe, from models/tessera-clip)',
    license: 'MIT',
    preload: false,
    files: Object.fromEntries(Object.entries(files).map(([key, file]) => [key, { path: file, sha256: sha256(path.join(OUT, file)) }])),
    signature: {
      model: {
        inputs: [{ name: 'pixel_values', type: 'float32', rank: 4, dims: [null, 3, 64, 64] }],
        outputs: [{ name: 'logits', type: 'float32', rank: 2, dims: [null, labels.length] }],
      },
    },
    warmup: { model: { pixel_values: { dims: [1, 3, 64, 64] } } },
    batching: { maxBatchSize: 16, maxQueueDelayMs: 0, maxQueue: 256, concurrency: 1 },
  }),
);
const evaluation = await evaluate();
writeFileSync(path.join(OUT, 'recipe/eval.json'), json(evaluation));
console.log(evaluation);
