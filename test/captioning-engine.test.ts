/**
 * The IMAGE_CAPTIONING path through the engine on a tiny vision-encoder-decoder fixture in
 * the Hugging Face layout: preprocessing → encoder → decoder from decoder_start_token_id →
 * KV cache → tokens, checked against a plain-JS reference that recomputes everything from
 * the image bytes without a cache; batching, cancellation and bad inputs.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import type { GenerationEvent } from '../src/inference/generation/types.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import {
  IMAGE_SIZE,
  MAX_POSITIONS,
  referenceCaption,
  testPicture,
  tinyCaptionerWeights,
  wordsOf,
  writeOtherTaskModel,
  writeTinyCaptioner,
} from './fixtures/captioning/tiny-captioner.js';

const weights = tinyCaptionerWeights(7);
const png = (rgb: Uint8Array, size = IMAGE_SIZE) => sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();

async function collect(stream: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const tokensOf = (events: GenerationEvent[]) => events.flatMap((e) => (e.type === 'token' ? [e.tokenId] : []));
const completedOf = (events: GenerationEvent[]) => {
  const last = events.at(-1);
  if (last?.type !== 'completed') throw new Error(`the stream ended with ${last?.type}`);
  return last;
};

describe('image captioning engine (tiny vision-encoder-decoder fixture)', () => {
  let root: string;
  let engine: Engine;
  // With eos = the third word of picture 1's greedy caption, that caption stops there.
  const stopWord = referenceCaption(weights, testPicture(1), 8).tokens[2];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tessera-caption-'));
    await writeTinyCaptioner(root);
    await writeTinyCaptioner(root, { name: 'tiny-captioner-nocache', cache: false });
    await writeTinyCaptioner(root, { name: 'tiny-captioner-seq2seq', crossCache: true });
    await writeTinyCaptioner(root, { name: 'tiny-captioner-eos', eosTokenId: stopWord });
    await writeTinyCaptioner(root, { name: 'tiny-captioner-serial', maxBatchSize: 1 });
    // A folder whose "decoder" is really the encoder graph (checksum updated, so only the graph is wrong).
    const broken = await writeTinyCaptioner(root, { name: 'broken-captioner' });
    const encoderBytes = await readFile(path.join(broken, 'onnx/encoder_model.onnx'));
    await writeFile(path.join(broken, 'onnx/decoder_model_merged.onnx'), encoderBytes);
    const manifest = JSON.parse(await readFile(path.join(broken, 'model.json'), 'utf8'));
    manifest.files.decoder.sha256 = createHash('sha256').update(encoderBytes).digest('hex');
    await writeFile(path.join(broken, 'model.json'), JSON.stringify(manifest));
    await writeOtherTaskModel(root); // another task, for the wrong-task check (never loaded)
    engine = await Engine.create({
      modelsDir: root,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
      logger: silentLogger,
      limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 30 },
    });
  });

  afterAll(async () => {
    await engine?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('streams started, one token per generated token, then completed, with the reference tokens', async () => {
    const rgb = testPicture(1);
    const expected = referenceCaption(weights, rgb, 6);
    expect(expected.stopped).toBe(false);
    const events = await collect(await engine.captionImage('tiny-captioner', await png(rgb), { maxTokens: 6 }));
    expect(events.map((e) => e.type)).toEqual(['started', ...new Array(6).fill('token'), 'completed']);
    expect(tokensOf(events)).toEqual(expected.tokens);
    const done = completedOf(events);
    expect(done.finishReason).toBe('LENGTH');
    expect(done.text).toBe(wordsOf(expected.tokens));
    expect(events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('')).toBe(done.text);
    expect(done.usage).toEqual({ promptTokens: 1, completionTokens: 6 });
    expect(done.timings.timeToFirstTokenMs).not.toBeNull();
  });

  it('different pictures give their own captions (the encoder output reaches the decoder)', async () => {
    const captions = new Set<string>();
    for (const seed of [2, 3, 4, 5]) {
      const rgb = testPicture(seed);
      const events = await collect(await engine.captionImage('tiny-captioner', await png(rgb), { maxTokens: 8 }));
      expect(tokensOf(events)).toEqual(referenceCaption(weights, rgb, 8).tokens);
      captions.add(completedOf(events).text);
    }
    // The fixture would be too weak to catch a broken image path if all four agreed.
    expect(captions.size).toBeGreaterThan(1);
  });

  it('without maxTokens, generation_config max_length decides (start token included)', async () => {
    const rgb = testPicture(6);
    const events = await collect(await engine.captionImage('tiny-captioner', await png(rgb)));
    expect(tokensOf(events)).toEqual(referenceCaption(weights, rgb, 8).tokens);
  });

  it("stops at generation_config's eos_token_id, which produces no text", async () => {
    const rgb = testPicture(1);
    const expected = referenceCaption(weights, rgb, 8, stopWord);
    expect(expected.stopped).toBe(true);
    const events = await collect(await engine.captionImage('tiny-captioner-eos', await png(rgb), { maxTokens: 8 }));
    const done = completedOf(events);
    expect(done.finishReason).toBe('STOP');
    expect(done.text).toBe(wordsOf(expected.tokens));
    expect(done.usage.completionTokens).toBe(expected.tokens.length + 1);
  });

  it('a decoder exported without a cache (decoder_model.onnx) gives the same tokens', async () => {
    const rgb = testPicture(3);
    const events = await collect(await engine.captionImage('tiny-captioner-nocache', await png(rgb), { maxTokens: 7 }));
    expect(tokensOf(events)).toEqual(referenceCaption(weights, rgb, 7).tokens);
  });

  it('a seq2seq-style decoder that caches cross-attention (past_key_values.N.encoder.*) gives the same tokens', async () => {
    const cases = [1, 2, 3].map((seed, i) => ({ rgb: testPicture(seed), maxTokens: 4 + 2 * i }));
    const results = await Promise.all(
      cases.map(async (c) => collect(await engine.captionImage('tiny-captioner-seq2seq', await png(c.rgb), { maxTokens: c.maxTokens }))),
    );
    results.forEach((events, i) => expect(tokensOf(events)).toEqual(referenceCaption(weights, cases[i].rgb, cases[i].maxTokens).tokens));
  });

  it('concurrent captions share batches and each still gets exactly its own caption', async () => {
    const cases = [1, 2, 3, 4, 5, 6].map((seed, i) => ({ rgb: testPicture(seed), maxTokens: 3 + i }));
    const streams = await Promise.all(
      cases.map(async (c) => engine.captionImage('tiny-captioner', await png(c.rgb), { maxTokens: c.maxTokens })),
    );
    const results = await Promise.all(streams.map(collect));
    results.forEach((events, i) => {
      expect(tokensOf(events)).toEqual(referenceCaption(weights, cases[i].rgb, cases[i].maxTokens).tokens);
    });
  });

  it('images of other sizes are resized by the preprocessor config before encoding', async () => {
    // Nearest-neighbour upscaling by 4 and the processor's downscale back to 8×8 keep
    // each block's colour, so the caption matches the 8×8 original's.
    const rgb = testPicture(2);
    const big = new Uint8Array(32 * 32 * 3);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) big[(y * 32 + x) * 3 + c] = rgb[((y >> 2) * 8 + (x >> 2)) * 3 + c];
    const events = await collect(await engine.captionImage('tiny-captioner', await png(big, 32), { maxTokens: 5 }));
    expect(completedOf(events).finishReason).toBe('LENGTH');
    expect(tokensOf(events)).toHaveLength(5);
  });

  it('sampling with a seed is reproducible', async () => {
    const image = await png(testPicture(4));
    const run = async () => completedOf(await collect(await engine.captionImage('tiny-captioner', image, { maxTokens: 8, temperature: 1.5, seed: 11 }))).text;
    expect(await run()).toBe(await run());
  });

  it('an aborted signal ends the caption CANCELLED, and the engine keeps serving', async () => {
    const controller = new AbortController();
    const stream = await engine.captionImage('tiny-captioner-serial', await png(testPicture(1)), { maxTokens: 12 }, { signal: controller.signal });
    const events: GenerationEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'token') controller.abort();
    }
    const done = completedOf(events);
    expect(done.finishReason).toBe('CANCELLED');
    expect(done.usage.completionTokens).toBeLessThan(12);
    const again = await collect(await engine.captionImage('tiny-captioner-serial', await png(testPicture(1)), { maxTokens: 2 }));
    expect(completedOf(again).finishReason).toBe('LENGTH');
  });

  it('leaving the iteration early cancels the caption', async () => {
    const stream = await engine.captionImage('tiny-captioner-serial', await png(testPicture(2)), { maxTokens: 12 });
    for await (const event of stream) if (event.type === 'token') break;
    const next = await collect(await engine.captionImage('tiny-captioner-serial', await png(testPicture(2)), { maxTokens: 3 }));
    expect(tokensOf(next)).toEqual(referenceCaption(weights, testPicture(2), 3).tokens);
  });

  it('rejects bad input with stable codes before any work', async () => {
    const image = await png(testPicture(1));
    const code = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: string }) => error.code);
    expect(await code(engine.captionImage('no-such-model', image))).toBe('MODEL_NOT_FOUND');
    expect(await code(engine.captionImage('not-a-captioner', image))).toBe('BAD_USER_INPUT');
    expect(await code(engine.captionImage('tiny-captioner', image, { maxTokens: 0 }))).toBe('BAD_USER_INPUT');
    expect(await code(engine.captionImage('tiny-captioner', image, { maxTokens: -3 }))).toBe('BAD_USER_INPUT');
    expect(await code(engine.captionImage('tiny-captioner', image, { maxTokens: MAX_POSITIONS }))).toBe('BAD_USER_INPUT');
    expect(await code(engine.captionImage('tiny-captioner', image, { temperature: -1 }))).toBe('BAD_USER_INPUT');
    expect(await code(engine.captionImage('tiny-captioner', image, { prompt: 'hi' } as never))).toBe('BAD_USER_INPUT');
    expect(await code(engine.captionImage('tiny-captioner', new TextEncoder().encode('not an image at all')))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await code(engine.captionImage('tiny-captioner', image.subarray(0, 40)))).toBe('BAD_USER_INPUT');
    // The largest caption the decoder's context allows is accepted.
    const longest = await collect(await engine.captionImage('tiny-captioner', image, { maxTokens: MAX_POSITIONS - 1 }));
    expect(tokensOf(longest)).toEqual(referenceCaption(weights, testPicture(1), MAX_POSITIONS - 1).tokens);
  });

  it('a folder whose decoder graph is not a caption decoder fails to load, naming the missing input', async () => {
    const image = await png(testPicture(1));
    await expect(engine.captionImage('broken-captioner', image)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    const info = engine.model('broken-captioner')!;
    expect(info.status).toBe('FAILED');
    expect(info.loadError).toMatch(/input_ids|encoder_hidden_states/);
    // The other captioners are unaffected.
    expect(tokensOf(await collect(await engine.captionImage('tiny-captioner', image, { maxTokens: 2 })))).toHaveLength(2);
  });

  it('lists the model under its task', () => {
    expect(engine.resolveModel('IMAGE_CAPTIONING', 'tiny-captioner').task).toBe('IMAGE_CAPTIONING');
  });
});
