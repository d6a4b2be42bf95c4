/**
 * The real tessera-clip served as a dual encoder, on scenes rendered during the test from
 * the colour × shape pairs its model card says were held out of training.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import type { ClassificationResult } from '../src/inference/types.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { tempRepository } from './fixtures/models/model-folder.js';
import { HELD_OUT, PAIR_LABELS, pairLabel, renderScene, scenesOf } from './fixtures/vision/shapes.js';

let engine: Engine;

beforeAll(async () => {
  const repo = await tempRepository('tessera-clip-');
  for (const name of ['tessera-clip', 'tessera-shapes']) {
    cpSync(path.join('models', name), path.join(repo, name), { recursive: true, filter: (src) => !src.includes('recipe') });
  }
  // The shipped manifest batches only what queues up behind a running batch; a wait here makes
  // the batching test below see batches whatever the machine's load.
  const manifestFile = path.join(repo, 'tessera-clip', 'model.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, batching: { ...manifest.batching, maxQueueDelayMs: 50 } }));
  engine = await Engine.create({
    modelsDir: repo,
    logger: silentLogger,
    runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
    limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 30 },
  });
  await engine.preloaded();
});

afterAll(async () => {
  await engine?.close();
});

describe('tessera-clip', () => {
  it('preloads as the default zero-shot and embedding model', () => {
    expect(engine.model('tessera-clip')).toMatchObject({ task: 'ZERO_SHOT_IMAGE_CLASSIFICATION', status: 'READY' });
    expect(engine.embeddingModelFor('IMAGE').name).toBe('tessera-clip');
    expect(engine.embeddingModelFor('TEXT').name).toBe('tessera-clip');
  });

  /**
   * The card reports 86.5% on the 36-way colour × shape question for held-out pairs (600
   * images; chance 2.8%), with green triangle the weakest pair at 46%. These scenes come
   * from our own SVG renderer (no pixel noise, different antialiasing), so the bar sits
   * below the card's figure with room for that shift: 75% of 54 scenes, every pair right
   * at least once. A model that did not compose colour and shape words would be near chance.
   */
  it('names most held-out colour × shape pairs among all 36', async () => {
    let right = 0;
    let total = 0;
    for (const [colour, shape] of HELD_OUT) {
      let pairRight = 0;
      for (const scene of scenesOf(colour, shape)) {
        const result = await engine.classifyImageZeroShot(undefined, await renderScene(scene), PAIR_LABELS, {});
        expect(result.model).toBe('tessera-clip');
        expect(result.labels).toHaveLength(36);
        expect(result.labels.reduce((s, l) => s + l.score, 0)).toBeCloseTo(1, 4);
        total += 1;
        if (result.labels[0].label === pairLabel(colour, shape)) pairRight += 1;
      }
      expect(pairRight, `${colour} ${shape}`).toBeGreaterThan(0);
      right += pairRight;
    }
    expect(right / total).toBeGreaterThanOrEqual(0.75);
  });

  it('embeds images and texts as deterministic unit vectors of dimension 128', async () => {
    const image = await renderScene({ colour: 'red', shape: 'star', background: 'white', cx: 0.5, cy: 0.5, r: 0.2 });
    const first = await engine.embed(undefined, { image }, {});
    const second = await engine.embed(undefined, { image }, {});
    expect(first).toMatchObject({ model: 'tessera-clip', dimension: 128, modality: 'IMAGE' });
    expect(Math.hypot(...first.vector)).toBeCloseTo(1, 5);
    expect(Array.from(second.vector)).toEqual(Array.from(first.vector));
    const text = await engine.embed(undefined, { text: 'a red star' }, {});
    expect(text).toMatchObject({ dimension: 128, modality: 'TEXT' });
    expect(Math.hypot(...text.vector)).toBeCloseTo(1, 5);
    expect(Array.from((await engine.embed(undefined, { text: 'a red star' }, {})).vector)).toEqual(Array.from(text.vector));
  });

  it('a caption is closer to the image it describes than to another held-out pair', async () => {
    const star = (await engine.embed(undefined, { image: await renderScene({ colour: 'red', shape: 'star', background: 'gray', cx: 0.5, cy: 0.5, r: 0.2 }) }, {})).vector;
    const circle = (await engine.embed(undefined, { image: await renderScene({ colour: 'yellow', shape: 'circle', background: 'gray', cx: 0.5, cy: 0.5, r: 0.2 }) }, {})).vector;
    const caption = (await engine.embed(undefined, { text: 'a red star' }, {})).vector;
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    expect(dot(caption, star)).toBeGreaterThan(dot(caption, circle));
  });

  it('concurrent zero-shot requests batch their images and answer as they do alone', async () => {
    const scenes = HELD_OUT.flatMap(([colour, shape]) => scenesOf(colour, shape).slice(0, 2));
    const images = await Promise.all(scenes.map((scene) => renderScene(scene)));
    const alone: ClassificationResult[] = [];
    for (const image of images) alone.push(await engine.classifyImageZeroShot(undefined, image, PAIR_LABELS, {}));
    const together = await Promise.all(images.map((image) => engine.classifyImageZeroShot(undefined, image, PAIR_LABELS, {})));
    expect(Math.max(...together.map((r) => r.stats.batchSize))).toBeGreaterThan(1);
    together.forEach((r, i) => {
      expect(r.labels.map((l) => l.label)).toEqual(alone[i].labels.map((l) => l.label));
      r.labels.forEach((l, j) => expect(l.score).toBeCloseTo(alone[i].labels[j].score, 5));
    });
  });
});

describe('tessera-shapes (tessera-clip vision tower with a fixed text-embedding head)', () => {
  /**
   * Its logits are tessera-clip's zero-shot logits for "a <colour> <shape>" frozen into
   * weights, so the same bar as the zero-shot test above applies (card: 86.5% on held-out
   * pairs, 36-way; the recipe's own run on these scenes: 94.4%).
   */
  it('is the default image classifier and names most held-out pairs', async () => {
    let right = 0;
    let total = 0;
    for (const [colour, shape] of HELD_OUT) {
      for (const scene of scenesOf(colour, shape)) {
        const result = await engine.classifyImage(undefined, await renderScene(scene), { topK: 3 });
        expect(result.model).toBe('tessera-shapes');
        expect(result.labels).toHaveLength(3);
        expect(PAIR_LABELS).toContain(result.labels[0].label);
        total += 1;
        if (result.labels[0].label === pairLabel(colour, shape)) right += 1;
      }
    }
    expect(right / total).toBeGreaterThanOrEqual(0.75);
  });
});
