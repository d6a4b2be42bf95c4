/**
 * classifyImage, classifyImageZeroShot and embed through the GraphQL API: the real
 * tessera-clip and fixture models, images rendered during the test, every bad input.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, gqlUpload } from './support/client.js';
import { tempRepository } from './fixtures/models/model-folder.js';
import { writeBertLike, writePixelProbeClassifier } from './fixtures/vision/models.js';
import { PAIR_LABELS, renderScene } from './fixtures/vision/shapes.js';
import {
  ClassifyImageDocument,
  ClassifyImageZeroShotDocument,
  EmbedDocument,
  RequestHistoryDocument,
  VisionRequestDocument,
} from './generated/graphql.js';

let server: TestServer;
let redStar: Buffer;

const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

beforeAll(async () => {
  const repo = await tempRepository('tessera-vision-api-');
  cpSync(path.join('models', 'tessera-clip'), path.join(repo, 'tessera-clip'), { recursive: true, filter: (src) => !src.includes('recipe') });
  // A queue wait, so that concurrent requests below meet in one batch whatever the machine's load.
  const manifestFile = path.join(repo, 'tessera-clip', 'model.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, batching: { ...manifest.batching, maxQueueDelayMs: 50 } }));
  await writePixelProbeClassifier(repo, 'probe', { height: 2, width: 2 }, {
    do_resize: true,
    size: { height: 2, width: 2 },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: false,
  });
  await writeBertLike(repo, 'bert');
  server = await startTestServer({ modelsDir: repo, env: { MAX_IMAGE_PIXELS: '1000000' } });
  await server.app.services.engine.preloaded();
  redStar = await renderScene({ colour: 'red', shape: 'star', background: 'white', cx: 0.5, cy: 0.5, r: 0.21 });
});

afterAll(async () => {
  await server?.close();
});

describe('classifyImageZeroShot', () => {
  it('names a held-out pair from a multipart upload and records the scores in history', async () => {
    const { body } = await gqlUpload(
      server.graphqlUrl,
      ClassifyImageZeroShotDocument,
      { input: { image: { file: null }, labels: PAIR_LABELS } },
      { path: 'input.image.file', bytes: redStar, name: 'star.png', type: 'image/png' },
    );
    expect(body.errors).toBeUndefined();
    const result = body.data!.classifyImageZeroShot;
    expect(result.model).toBe('tessera-clip');
    expect(result.labels[0].label).toBe('red star');
    expect(result.labels).toHaveLength(36);
    expect(result.request).toMatchObject({ status: 'COMPLETED', task: 'ZERO_SHOT_IMAGE_CLASSIFICATION' });
    const row = (await gql(server.graphqlUrl, VisionRequestDocument, { id: result.request.id })).body.data!.request!;
    expect(row.result).toMatchObject({ __typename: 'ClassificationResult', labels: result.labels });
  });

  it('takes a hypothesisTemplate per request', async () => {
    const { body } = await gql(server.graphqlUrl, ClassifyImageZeroShotDocument, {
      input: { image: { base64: b64(redStar) }, labels: ['red star', 'green triangle', 'blue diamond'], hypothesisTemplate: 'a photo of a {}' },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!.classifyImageZeroShot.labels[0].label).toBe('red star');
  });
});

describe('classifyImage', () => {
  it('returns the top k labels of the default classifier, highest first', async () => {
    const image = await sharp(Buffer.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]), { raw: { width: 2, height: 2, channels: 3 } })
      .png()
      .toBuffer();
    const { body } = await gql(server.graphqlUrl, ClassifyImageDocument, { input: { image: { base64: b64(image) }, topK: 3 } });
    expect(body.errors).toBeUndefined();
    const result = body.data!.classifyImage;
    expect(result.model).toBe('probe');
    // The probe's logits are the pixels: 120, 110, 100 are the three channels of the last pixel.
    expect(result.labels.map((l) => l.label)).toEqual(['c2y1x1', 'c1y1x1', 'c0y1x1']);
    expect(result.request).toMatchObject({ status: 'COMPLETED', task: 'IMAGE_CLASSIFICATION' });
    const row = (await gql(server.graphqlUrl, VisionRequestDocument, { id: result.request.id })).body.data!.request!;
    expect(row.result).toMatchObject({ __typename: 'ClassificationResult', labels: result.labels });
  });
});

describe('embed', () => {
  it('embeds text and images with the default dual encoder as unit vectors', async () => {
    const text = (await gql(server.graphqlUrl, EmbedDocument, { input: { text: 'a red star' } })).body.data!.embed;
    expect(text).toMatchObject({ model: 'tessera-clip', dimension: 128, modality: 'TEXT' });
    expect(text.vector).toHaveLength(128);
    expect(Math.hypot(...text.vector)).toBeCloseTo(1, 5);
    const image = (await gql(server.graphqlUrl, EmbedDocument, { input: { image: { base64: b64(redStar) } } })).body.data!.embed;
    expect(image).toMatchObject({ model: 'tessera-clip', dimension: 128, modality: 'IMAGE' });
    expect(Math.hypot(...image.vector)).toBeCloseTo(1, 5);
    const row = (await gql(server.graphqlUrl, VisionRequestDocument, { id: image.request.id })).body.data!.request!;
    expect(row.result).toMatchObject({ __typename: 'EmbeddingResult', dimension: 128, modality: 'IMAGE' });
    const stored = (row.result as { vector: number[] }).vector;
    stored.forEach((v, i) => expect(v).toBeCloseTo(image.vector[i], 6));
  });

  it('concurrent requests are batched, each row records its batch size, vectors equal to one alone', async () => {
    const texts = ['a red star', 'two blue circles', 'an orange square on a black background', 'a small green triangle'];
    const alone: number[][] = [];
    for (const text of texts) alone.push((await gql(server.graphqlUrl, EmbedDocument, { input: { text } })).body.data!.embed.vector);
    const together = await Promise.all(texts.map((text) => gql(server.graphqlUrl, EmbedDocument, { input: { text } })));
    expect(together.every((r) => r.body.data!.embed.request.status === 'COMPLETED')).toBe(true);
    expect(Math.max(...together.map((r) => r.body.data!.embed.request.batchSize ?? 0))).toBeGreaterThan(1);
    together.forEach((r, i) => r.body.data!.embed.vector.forEach((v, j) => expect(v).toBeCloseTo(alone[i][j], 6)));
  });

  it('embeds text with a named TEXT_EMBEDDING model', async () => {
    const { body } = await gql(server.graphqlUrl, EmbedDocument, { input: { text: 'the cat sat', model: 'bert' } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.embed).toMatchObject({ model: 'bert', dimension: 4, modality: 'TEXT', request: { task: 'TEXT_EMBEDDING' } });
  });
});

describe('bad input', () => {
  const image = () => ({ base64: b64(redStar) });

  it.each([
    ['no labels', { labels: [] as string[] }, 'BAD_USER_INPUT'],
    ['101 labels', { labels: Array.from({ length: 101 }, (_, i) => `label ${i}`) }, 'BAD_USER_INPUT'],
    ['a blank label', { labels: ['red star', ' '] }, 'BAD_USER_INPUT'],
    ['a template without {}', { labels: ['red star'], hypothesisTemplate: 'a photo' }, 'BAD_USER_INPUT'],
    ['an unknown model', { labels: ['red star'], model: 'nope' }, 'MODEL_NOT_FOUND'],
    ['a model of another task', { labels: ['red star'], model: 'probe' }, 'BAD_USER_INPUT'],
  ])('classifyImageZeroShot with %s → %s', async (_what, input, code) => {
    const { body } = await gql(server.graphqlUrl, ClassifyImageZeroShotDocument, { input: { image: image(), ...input } });
    expect(codeOf(body)).toBe(code);
  });

  it('bad image bytes: unknown bytes → UNSUPPORTED_MEDIA_TYPE; a cut-off PNG → BAD_USER_INPUT, recorded FAILED', async () => {
    const junk = await gql(server.graphqlUrl, ClassifyImageZeroShotDocument, {
      input: { image: { base64: b64(new TextEncoder().encode('certainly not an image')) }, labels: ['red star'] },
    });
    expect(codeOf(junk.body)).toBe('UNSUPPORTED_MEDIA_TYPE');
    const cut = await gql(server.graphqlUrl, ClassifyImageZeroShotDocument, {
      input: { image: { base64: b64(redStar.subarray(0, Math.floor(redStar.length / 2))) }, labels: ['red star'] },
    });
    expect(codeOf(cut.body)).toBe('BAD_USER_INPUT');
    const failed = (
      await gql(server.graphqlUrl, RequestHistoryDocument, { first: 5, filter: { task: 'ZERO_SHOT_IMAGE_CLASSIFICATION', status: 'FAILED' } })
    ).body.data!.requests.edges;
    expect(failed.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['topK 0', { topK: 0 }, 'BAD_USER_INPUT'],
    ['an unknown model', { model: 'nope' }, 'MODEL_NOT_FOUND'],
    ['a model of another task', { model: 'tessera-clip' }, 'BAD_USER_INPUT'],
  ])('classifyImage with %s → %s', async (_what, input, code) => {
    const { body } = await gql(server.graphqlUrl, ClassifyImageDocument, { input: { image: image(), ...input } });
    expect(codeOf(body)).toBe(code);
  });

  /** Inputs are built per test: the scene is rendered in beforeAll, after the table is read. */
  it.each([
    ['both text and image', 'BAD_USER_INPUT', () => ({ text: 'a red star', image: image() })],
    ['neither', 'BAD_USER_INPUT', () => ({})],
    ['blank text', 'BAD_USER_INPUT', () => ({ text: '   ' })],
    ['an image for a text-only model', 'BAD_USER_INPUT', () => ({ image: image(), model: 'bert' })],
    ['a classifier', 'BAD_USER_INPUT', () => ({ text: 'a red star', model: 'probe' })],
    ['an unknown model', 'MODEL_NOT_FOUND', () => ({ text: 'a red star', model: 'nope' })],
    ['unreadable image bytes', 'UNSUPPORTED_MEDIA_TYPE', () => ({ image: { base64: b64(new TextEncoder().encode('nope')) } })],
  ])('embed with %s → %s', async (_what, code, input) => {
    const { body } = await gql(server.graphqlUrl, EmbedDocument, { input: input() });
    expect(codeOf(body)).toBe(code);
  });

  it('the server keeps answering after all of them', async () => {
    const { body } = await gql(server.graphqlUrl, ClassifyImageZeroShotDocument, { input: { image: image(), labels: ['red star', 'yellow circle'] } });
    expect(body.data!.classifyImageZeroShot.labels[0].label).toBe('red star');
  });
});
