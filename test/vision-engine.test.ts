/**
 * The vision and embedding tasks through the engine, on fixture models in the standard
 * export layouts (test/fixtures/vision/models.ts). Every expected number is computed here
 * by hand from the fixture's weights and the image's known pixels.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import type { ClassificationResult, EmbeddingResult } from '../src/inference/types.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { parseImageProcessor, resizedSize } from '../src/inference/tasks/vision/image-processor.js';
import { rejection } from './fixtures/models/rejection.js';
import { tempRepository } from './fixtures/models/model-folder.js';
import { writeBertLike, writeDualEncoder, writePixelProbeClassifier } from './fixtures/vision/models.js';

const BATCHING = { maxBatchSize: 8, maxQueueDelayMs: 40, maxQueue: 64 };

let engine: Engine;
let dual: Awaited<ReturnType<typeof writeDualEncoder>>;
let bert: Awaited<ReturnType<typeof writeBertLike>>;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const norm = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dotp = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const meanRows = (rows: number[][]) => rows[0].map((_, h) => rows.reduce((s, r) => s + r[h], 0) / rows.length);
const softmax = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/** A lossless PNG whose pixel (x, y) has channel values `value(x, y, c)`. */
function png(width: number, height: number, value: (x: number, y: number, c: number) => number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) raw[(y * width + x) * 3 + c] = value(x, y, c);
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

const solid = (rgb: [number, number, number], width = 8, height = 6) => png(width, height, (_x, _y, c) => rgb[c]);

/** The small test image: distinct values in every pixel and channel. */
const tiny = (x: number, y: number, c: number) => (y * 4 + x) * 20 + c * 5 + 3;

beforeAll(async () => {
  const repo = await tempRepository('tessera-vision-');
  // 4x2 image → shortest edge 4 (nearest, an exact 2x) → 8x4 → center crop 4x4 (columns 2..5),
  // rescale 1/255, per-channel mean/std, BGR. Multi-label so each score is sigmoid(value).
  await writePixelProbeClassifier(repo, 'probe-bgr', { height: 4, width: 4 }, {
    do_resize: true,
    size: { shortest_edge: 4 },
    resample: 0,
    do_center_crop: true,
    crop_size: { height: 4, width: 4 },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.1, 0.2, 0.3],
    image_std: [0.5, 0.25, 0.2],
    do_flip_channel_order: true,
  }, { multiLabel: true, batching: BATCHING });
  // No resize; a 4x4 crop of a 2x2 image pads a zero border; softmax over the 48 values.
  await writePixelProbeClassifier(repo, 'probe-pad', { height: 4, width: 4 }, {
    do_resize: false,
    do_center_crop: true,
    crop_size: { height: 4, width: 4 },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: false,
  });
  dual = await writeDualEncoder(repo, 'dual', { batching: BATCHING });
  await writeDualEncoder(repo, 'dual-short', { maxLength: 5 });
  await writeDualEncoder(repo, 'dual-ensemble', { settings: { hypothesisTemplates: ['{}', 'a thing {}'] } });
  await writeDualEncoder(repo, 'siglip', { config: { model_type: 'siglip', logit_scale: Math.log(10), logit_bias: -2 } });
  bert = await writeBertLike(repo, 'bert', { batching: BATCHING });
  await writeBertLike(repo, 'bert-cls', { pooling: { word_embedding_dimension: 4, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false } });
  await writeBertLike(repo, 'bert-raw', { settings: { normalize: false } });
  engine = await Engine.create({
    modelsDir: repo,
    logger: silentLogger,
    runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
    limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 30 },
  });
});

afterAll(async () => {
  await engine?.close();
});

describe('image preprocessing (HF image processor fields)', () => {
  it('resizes the shortest edge to size and truncates the long side', () => {
    expect(resizedSize(300, 200, { kind: 'shortest_edge', shortestEdge: 224 })).toEqual({ width: 336, height: 224 });
    expect(resizedSize(200, 301, { kind: 'shortest_edge', shortestEdge: 224 })).toEqual({ width: 224, height: 337 });
    expect(resizedSize(640, 480, { kind: 'exact', height: 224, width: 224 })).toEqual({ width: 224, height: 224 });
  });

  it('reads the resize and crop rules of the ViT, CLIP and ConvNeXt/ResNet processors', () => {
    const vit = parseImageProcessor({ image_processor_type: 'ViTImageProcessor', size: { height: 224, width: 224 }, resample: 2 });
    expect(vit).toMatchObject({ resize: { kind: 'exact', height: 224, width: 224 }, crop: null, kernel: 'linear', rescaleFactor: 1 / 255 });
    const clip = parseImageProcessor({ feature_extractor_type: 'CLIPFeatureExtractor', size: 224, do_center_crop: true, crop_size: 224, resample: 3 });
    expect(clip).toMatchObject({ resize: { kind: 'shortest_edge', shortestEdge: 224 }, crop: { height: 224, width: 224 }, kernel: 'cubic' });
    const resnet = parseImageProcessor({ image_processor_type: 'ConvNextImageProcessor', size: { shortest_edge: 224 }, crop_pct: 0.875 });
    expect(resnet).toMatchObject({ resize: { kind: 'shortest_edge', shortestEdge: 256 }, crop: { height: 224, width: 224 } });
    const large = parseImageProcessor({ image_processor_type: 'ConvNextImageProcessor', size: { shortest_edge: 384 }, crop_pct: 0.875 });
    expect(large).toMatchObject({ resize: { kind: 'exact', height: 384, width: 384 }, crop: null });
    expect(parseImageProcessor({ do_normalize: false, do_rescale: false })).toMatchObject({ normalize: null, rescaleFactor: null });
  });

  it('resize, center crop, rescale, normalise and BGR order reach the graph as computed by hand', async () => {
    const image = await png(4, 2, tiny);
    const result = await engine.classifyImage('probe-bgr', image, { topK: 48 });
    expect(result.model).toBe('probe-bgr');
    expect(result.labels).toHaveLength(48);
    const mean = [0.1, 0.2, 0.3];
    const std = [0.5, 0.25, 0.2];
    const scores = new Map(result.labels.map((l) => [l.label, l.score]));
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          // Crop column x is resized column x + 2, i.e. source column floor((x + 2) / 2); row y is source row floor(y / 2).
          const raw = tiny(Math.floor((x + 2) / 2), Math.floor(y / 2), 2 - c);
          expect(scores.get(`c${c}y${y}x${x}`)).toBeCloseTo(sigmoid((raw / 255 - mean[c]) / std[c]), 5);
        }
      }
    }
    const sorted = result.labels.map((l) => l.score);
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
  });

  it('a crop larger than the image pads with zeros around it (softmax scores)', async () => {
    const small = (x: number, y: number, c: number) => 40 + x * 60 + y * 100 + c * 20;
    const result = await engine.classifyImage('probe-pad', await png(2, 2, small), { topK: 48 });
    const values: number[] = [];
    const labels: string[] = [];
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const inside = x >= 1 && x <= 2 && y >= 1 && y <= 2;
          values.push(inside ? small(x - 1, y - 1, c) / 255 : 0);
          labels.push(`c${c}y${y}x${x}`);
        }
      }
    }
    const expected = softmax(values);
    const scores = new Map(result.labels.map((l) => [l.label, l.score]));
    labels.forEach((label, i) => expect(scores.get(label)).toBeCloseTo(expected[i], 6));
    expect(result.labels.reduce((s, l) => s + l.score, 0)).toBeCloseTo(1, 5);
  });

  it('topK defaults to 5 and rejects values below 1', async () => {
    const image = await png(4, 2, tiny);
    expect((await engine.classifyImage('probe-bgr', image, {})).labels).toHaveLength(5);
    expect((await rejection(engine.classifyImage('probe-bgr', image, { topK: 0 }))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(engine.classifyImage('probe-bgr', image, { topK: 1.5 }))).code).toBe('BAD_USER_INPUT');
  });

  it('concurrent classifications share a batch and answer as they do alone', async () => {
    const images = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => png(4, 2, (x, y, c) => (tiny(x, y, c) + k * 13) % 256)));
    const alone: ClassificationResult[] = [];
    for (const image of images) alone.push(await engine.classifyImage('probe-bgr', image, { topK: 48 }));
    const together = await Promise.all(images.map((image) => engine.classifyImage('probe-bgr', image, { topK: 48 })));
    expect(Math.max(...together.map((r) => r.stats.batchSize))).toBeGreaterThan(1);
    together.forEach((r, i) => expect(r.labels).toEqual(alone[i].labels));
  });
});

describe('dual encoder (CLIP layout)', () => {
  const row = (token: string) => dual.table[dual.ids[token]];
  const textVector = (tokens: string[]) => norm(meanRows(['[BOS]', ...tokens, '[EOS]'].map(row)));
  /** Solid colour through rescale 1/255 and mean/std 0.5: every pixel (v/255 - 0.5) / 0.5, channel means the same. */
  const imageVector = (rgb: number[]) => norm(rgb.map((v) => (v / 255 - 0.5) / 0.5));

  it('embeds text as the masked mean of its word vectors, L2-normalised', async () => {
    const result = await engine.embed('dual', { text: 'A photo of RED' }, {});
    expect(result).toMatchObject({ model: 'dual', dimension: 3, modality: 'TEXT' });
    const expected = textVector(['a', 'photo', 'of', 'red']);
    Array.from(result.vector).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('embeds an image as its normalised channel means', async () => {
    const result = await engine.embed('dual', { image: await solid([200, 100, 50]) }, {});
    expect(result).toMatchObject({ dimension: 3, modality: 'IMAGE' });
    const expected = imageVector([200, 100, 50]);
    Array.from(result.vector).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('cuts long texts to the model length keeping the closing token', async () => {
    const result = await engine.embed('dual-short', { text: 'a photo of red thing blue' }, {});
    const expected = textVector(['a', 'photo', 'of']);
    Array.from(result.vector).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('zero-shot: softmax of exp(logit_scale) × cosine with the default template "a photo of {}."', async () => {
    const rgb = [230, 40, 60];
    const result = await engine.classifyImageZeroShot('dual', await solid(rgb as [number, number, number]), ['red', 'green', 'blue'], {});
    const image = imageVector(rgb);
    // "." is not in the vocabulary: [UNK].
    const logits = ['red', 'green', 'blue'].map((label) => 10 * dotp(image, textVector(['a', 'photo', 'of', label, '[UNK]'])));
    const expected = softmax(logits);
    expect(result.labels.map((l) => l.label)).toEqual(['red', 'blue', 'green']);
    for (const { label, score } of result.labels) expect(score).toBeCloseTo(expected[['red', 'green', 'blue'].indexOf(label)], 6);
  });

  it('zero-shot with a request template, and as the best over the manifest templates', async () => {
    const rgb = [20, 40, 220];
    const image = imageVector(rgb);
    const bytes = await solid(rgb as [number, number, number]);
    const labels = ['red', 'green', 'blue'];
    const plain = await engine.classifyImageZeroShot('dual', bytes, labels, { hypothesisTemplate: '{}' });
    const plainExpected = softmax(labels.map((l) => 10 * dotp(image, textVector([l]))));
    for (const { label, score } of plain.labels) expect(score).toBeCloseTo(plainExpected[labels.indexOf(label)], 6);

    const ensembled = await engine.classifyImageZeroShot('dual-ensemble', bytes, labels, {});
    const best = labels.map((l) => 10 * Math.max(dotp(image, textVector([l])), dotp(image, textVector(['a', 'thing', l]))));
    const ensembleExpected = softmax(best);
    for (const { label, score } of ensembled.labels) expect(score).toBeCloseTo(ensembleExpected[labels.indexOf(label)], 6);
  });

  it('SigLIP configs score each label by sigmoid(scale × cosine + bias)', async () => {
    const rgb = [30, 200, 40];
    const image = imageVector(rgb);
    const result = await engine.classifyImageZeroShot('siglip', await solid(rgb as [number, number, number]), ['red', 'green'], { hypothesisTemplate: '{}' });
    for (const { label, score } of result.labels) expect(score).toBeCloseTo(sigmoid(10 * dotp(image, textVector([label])) - 2), 6);
    expect(result.labels[0].label).toBe('green');
  });

  it('batches concurrent texts of different lengths and images, each equal to its unbatched embedding', async () => {
    const texts = ['red', 'a photo of green thing', 'blue blue', 'of'];
    const images = await Promise.all([[255, 0, 0], [0, 255, 0], [10, 20, 30]].map((c) => solid(c as [number, number, number])));
    const alone: EmbeddingResult[] = [];
    for (const text of texts) alone.push(await engine.embed('dual', { text }, {}));
    for (const image of images) alone.push(await engine.embed('dual', { image }, {}));
    const together = await Promise.all([
      ...texts.map((text) => engine.embed('dual', { text }, {})),
      ...images.map((image) => engine.embed('dual', { image }, {})),
    ]);
    expect(Math.max(...together.slice(0, texts.length).map((r) => r.stats.batchSize))).toBeGreaterThan(1);
    expect(Math.max(...together.slice(texts.length).map((r) => r.stats.batchSize))).toBeGreaterThan(1);
    together.forEach((r, i) => Array.from(r.vector).forEach((v, j) => expect(v).toBeCloseTo(alone[i].vector[j], 6)));
  });

  it('a request cancelled while queued fails CANCELLED; its neighbours and the prompts it asked for still complete', async () => {
    const image = await solid([200, 30, 30]);
    const controller = new AbortController();
    const labels = ['red thing', 'green thing'];
    const cancelled = engine.classifyImageZeroShot('dual', image, labels, { signal: controller.signal });
    const neighbour = engine.embed('dual', { text: 'blue' }, {});
    setTimeout(() => controller.abort(), 5);
    expect((await rejection(cancelled)).code).toBe('CANCELLED');
    expect((await neighbour).dimension).toBe(3);
    const again = await engine.classifyImageZeroShot('dual', image, labels, {});
    expect(again.labels[0].label).toBe('red thing');
  });

  it('rejects bad zero-shot requests and bad embedding inputs', async () => {
    const image = await solid([1, 2, 3]);
    const code = async (p: Promise<unknown>) => (await rejection(p)).code;
    expect(await code(engine.classifyImageZeroShot('dual', image, [], {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.classifyImageZeroShot('dual', image, Array.from({ length: 101 }, (_, i) => `l${i}`), {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.classifyImageZeroShot('dual', image, ['red', '  '], {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.classifyImageZeroShot('dual', image, ['red'], { hypothesisTemplate: 'no slot' }))).toBe('BAD_USER_INPUT');
    expect(await code(engine.classifyImageZeroShot('probe-bgr', image, ['red'], {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.classifyImageZeroShot('nope', image, ['red'], {}))).toBe('MODEL_NOT_FOUND');
    expect(await code(engine.classifyImageZeroShot('dual', new TextEncoder().encode('not an image'), ['red'], {}))).toMatch(
      /UNSUPPORTED_MEDIA_TYPE|BAD_USER_INPUT/,
    );
    expect(await code(engine.embed('dual', { text: 'red', image }, {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.embed('dual', {}, {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.embed('dual', { text: ' ' }, {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.embed('bert', { image }, {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.embed('probe-bgr', { text: 'red' }, {}))).toBe('BAD_USER_INPUT');
    expect(await code(engine.embed('nope', { text: 'red' }, {}))).toBe('MODEL_NOT_FOUND');
  });

  it('without a model name, both modalities go to the default dual encoder', () => {
    expect(engine.embeddingModelFor('IMAGE').task).toBe('ZERO_SHOT_IMAGE_CLASSIFICATION');
    expect(engine.embeddingModelFor('TEXT').task).toBe('ZERO_SHOT_IMAGE_CLASSIFICATION');
    expect(engine.embeddingModelFor('TEXT', 'bert').name).toBe('bert');
  });
});

describe('text embedding (BERT layout)', () => {
  /** last_hidden_state of a token at type 0: its word vector plus the type-0 vector. */
  const hidden = (token: string) => bert.words[bert.ids[token]].map((v, h) => v + bert.types[0][h]);
  const tokens = (text: string) => ['[CLS]', ...text.split(' '), '[SEP]'];

  it('mean-pools the real tokens with token types 0 and normalises', async () => {
    const result = await engine.embed('bert', { text: 'the cat sat' }, {});
    expect(result).toMatchObject({ model: 'bert', dimension: 4, modality: 'TEXT' });
    const expected = norm(meanRows(tokens('the cat sat').map(hidden)));
    Array.from(result.vector).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('takes the CLS vector when 1_Pooling/config.json says so, and leaves it raw when settings.normalize is false', async () => {
    const cls = await engine.embed('bert-cls', { text: 'the dog' }, {});
    const expectedCls = norm(hidden('[CLS]'));
    Array.from(cls.vector).forEach((v, i) => expect(v).toBeCloseTo(expectedCls[i], 6));
    const raw = await engine.embed('bert-raw', { text: 'the dog' }, {});
    const expectedRaw = meanRows(tokens('the dog').map(hidden));
    Array.from(raw.vector).forEach((v, i) => expect(v).toBeCloseTo(expectedRaw[i], 6));
  });

  it('batches texts of different lengths; padding never reaches the pooled vector', async () => {
    const texts = ['the cat sat on the mat', 'dog', 'the dog sat', 'mat on mat'];
    const together = await Promise.all(texts.map((text) => engine.embed('bert', { text }, {})));
    expect(Math.max(...together.map((r) => r.stats.batchSize))).toBeGreaterThan(1);
    together.forEach((r, i) => {
      const expected = norm(meanRows(tokens(texts[i]).map(hidden)));
      Array.from(r.vector).forEach((v, j) => expect(v).toBeCloseTo(expected[j], 6));
    });
  });
});

describe('embedding model resolution without a dual encoder', () => {
  it('text goes to the TEXT_EMBEDDING model; images find no model', async () => {
    const repo = await tempRepository('tessera-vision-text-only-');
    await writeBertLike(repo, 'only-bert');
    const textOnly = await Engine.create({
      modelsDir: repo,
      logger: silentLogger,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1 },
      limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 30 },
    });
    try {
      expect(textOnly.embeddingModelFor('TEXT').name).toBe('only-bert');
      expect((await textOnly.embed(undefined, { text: 'the cat' }, {})).model).toBe('only-bert');
      expect((await rejection(textOnly.embed(undefined, { image: await solid([1, 2, 3]) }, {}))).code).toBe('MODEL_NOT_FOUND');
    } finally {
      await textOnly.close();
    }
  });
});
