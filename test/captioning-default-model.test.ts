/**
 * The committed default captioner (models/tessera-captioner) describing scenes it never saw:
 * held-out colour × shape pairs (no training image had a red star, a blue diamond, ...),
 * drawn here as SVG and rasterised by sharp, not by the training renderer (PIL). The
 * engine decodes, preprocesses (preprocessor_config.json) and decodes greedily with the
 * KV cache, as a client request would.
 *
 * Thresholds: the model card gives 0.945 colour-and-shape accuracy on 600 held-out PIL
 * renders (blue diamond is its weak pair, 0.77) and 1.00 on seen pairs; on these 54 held-out
 * scenes (6 pairs × 3 backgrounds × 3 placements) it measured 1.00 (0.94 for the previous,
 * less trained weights, so the test also tolerates a weaker retrain). The test
 * asks 0.75 colour-and-shape, colour alone 0.9, and 0.9 for the attributes the held-out
 * pairing does not touch (size, position, background): margins of 10 scenes or more, so
 * a near-tie flipping on another CPU cannot fail it, while a broken preprocessing or decode
 * path (chance-level or empty captions, 1/36 for the pair) does. Seen pairs must reach 0.9.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/inference/engine.js';
import { testEngine } from './support/engine.js';
import { COLOURS, HELD_OUT, SHAPES, renderScene, scenesOf, type Colour, type Scene, type Shape } from './fixtures/vision/shapes.js';

let engine: Engine;

beforeAll(async () => {
  engine = await testEngine();
});

afterAll(async () => {
  await engine?.close();
});

const PLURAL: Record<string, Shape> = Object.fromEntries(SHAPES.flatMap((s) => [[s, s], [s === 'cross' ? 'crosses' : `${s}s`, s]]));

async function caption(scene: Scene): Promise<string> {
  let text = '';
  for await (const event of await engine.captionImage('tessera-captioner', await renderScene(scene, 64))) {
    if (event.type === 'completed') {
      expect(event.finishReason).toBe('STOP');
      text = event.text;
    }
  }
  return text;
}

/** Where the scene's object is, in the words of the captions. */
function placement(scene: Scene): string {
  if (scene.cx === 0.5 && scene.cy === 0.5) return 'center';
  return `${scene.cy < 0.5 ? 'top' : 'bottom'} ${scene.cx < 0.5 ? 'left' : 'right'}`;
}

interface Scores {
  colour: number;
  shape: number;
  pair: number;
  size: number;
  position: number;
  background: number;
}

async function score(pairs: readonly (readonly [Colour, Shape])[]): Promise<{ scores: Scores; misses: string[] }> {
  const scenes = pairs.flatMap(([colour, shape]) => scenesOf(colour, shape));
  const totals: Scores = { colour: 0, shape: 0, pair: 0, size: 0, position: 0, background: 0 };
  const misses: string[] = [];
  for (const scene of scenes) {
    const text = await caption(scene);
    const words = text.split(' ');
    const colour = words.find((w) => w in COLOURS);
    const shape = words.map((w) => PLURAL[w]).find(Boolean);
    const size = scene.r > 0.15 ? 'large' : 'small';
    totals.colour += Number(colour === scene.colour);
    totals.shape += Number(shape === scene.shape);
    totals.pair += Number(colour === scene.colour && shape === scene.shape);
    totals.size += Number(words.includes(size));
    totals.position += Number(text.includes(`in the ${placement(scene)} `));
    totals.background += Number(text.endsWith(`${scene.background} background`));
    if (colour !== scene.colour || shape !== scene.shape) misses.push(`${scene.colour} ${scene.shape} → "${text}"`);
  }
  const scores = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / scenes.length])) as unknown as Scores;
  return { scores, misses };
}

describe('tessera-captioner (the default captioner)', () => {
  it('names colour and shape of held-out pairs it never saw in training', async () => {
    const { scores, misses } = await score(HELD_OUT);
    console.info('held-out scenes:', JSON.stringify(scores), misses.slice(0, 8));
    expect(scores.pair).toBeGreaterThanOrEqual(0.75);
    expect(scores.colour).toBeGreaterThanOrEqual(0.9);
    expect(Math.min(scores.size, scores.position, scores.background)).toBeGreaterThanOrEqual(0.9);
  });

  it('describes seen pairs almost perfectly', async () => {
    const seen = [['red', 'circle'], ['green', 'square'], ['blue', 'star'], ['yellow', 'cross'], ['purple', 'triangle'], ['orange', 'diamond']] as const;
    const { scores } = await score(seen);
    console.info('seen scenes:', JSON.stringify(scores));
    expect(scores.pair).toBeGreaterThanOrEqual(0.9);
  });
});
