/**
 * OCR, VAD and model management through the GraphQL API, on the real PaddleOCR and Silero
 * models, with inputs made during the test (sharp-rendered pages, espeak-ng speech).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, gqlUpload } from './support/client.js';
import {
  DetectSpeechDocument,
  LoadModelDocument,
  ModelByNameDocument,
  RecognizeTextDocument,
  RequestByIdDocument,
  RequestHistoryDocument,
  UnloadModelDocument,
} from './generated/graphql.js';

let models: TestModels;
let server: TestServer;
let page: Buffer;
let speech: Buffer;

const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

/** Text at (x, baseline y); the same page the OCR unit tests read exactly. */
const PAGE = [
  { text: 'Invoice 2026', x: 40, y: 90 },
  { text: 'Total 42.50 EUR', x: 40, y: 190 },
  { text: 'Due 2026-04-01', x: 40, y: 290 },
  { text: 'Paid', x: 500, y: 290 },
];
const PAGE_TEXT = 'Invoice 2026\nTotal 42.50 EUR\nDue 2026-04-01 Paid';

function renderPage(words: typeof PAGE): Promise<Buffer> {
  const text = words.map((w) => `<text x="${w.x}" y="${w.y}" font-family="DejaVu Sans" font-size="40" fill="#111">${w.text}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** 1 s of silence, espeak-ng saying a sentence, 1 s of silence, as one 16 kHz WAV. */
function speechWav(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-speech-'));
  const spoken = path.join(dir, 'spoken.wav');
  execFileSync('espeak-ng', ['-w', spoken, 'The quick brown fox jumps over the lazy dog.']);
  const padded = path.join(dir, 'padded.wav');
  execFileSync('sox', [spoken, '-r', '16000', padded, 'pad', '1', '1']);
  return readFileSync(padded);
}

beforeAll(async () => {
  models = await createTestModels({ lm: {}, real: ['paddleocr-v4', 'silero-vad'] });
  server = await startTestServer({ modelsDir: models.dir, env: { MAX_IMAGE_PIXELS: '1000000', MAX_UPLOAD_BYTES: '2mb' } });
  page = await renderPage(PAGE);
  speech = speechWav();
});

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('recognizeText', () => {
  it('reads a multipart upload back exactly, with boxes, and records the request', async () => {
    const { body } = await gqlUpload(server.graphqlUrl, RecognizeTextDocument, { input: { image: { file: null } } }, {
      path: 'input.image.file',
      bytes: page,
      name: 'page.png',
      type: 'image/png',
    });
    expect(body.errors).toBeUndefined();
    const result = body.data!.recognizeText;
    expect(result.text).toBe(PAGE_TEXT);
    expect([result.width, result.height]).toEqual([640, 480]);
    expect(result.lines).toHaveLength(4);
    const firstBox = result.lines[0].box;
    // The first line's baseline is at y=90 with 40 px type: its box lies around there.
    expect(Math.min(...firstBox.map((p) => p.y))).toBeGreaterThan(40);
    expect(Math.max(...firstBox.map((p) => p.y))).toBeLessThan(120);
    expect(result.request.status).toBe('COMPLETED');
    const row = (await gql(server.graphqlUrl, RequestByIdDocument, { id: result.request.id })).body.data!.request!;
    expect(row.outputText).toBe(result.text);
    expect(row.result).toMatchObject({ __typename: 'OcrResult', text: result.text });
    expect(row.artifacts).toEqual([expect.objectContaining({ role: 'input', artifact: expect.objectContaining({ contentType: 'image/png' }) })]);
    expect(row.computeMs).toBeGreaterThan(0);
  });

  it('takes base64 and a stored artifact id the same way', async () => {
    const viaBase64 = (await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: page.toString('base64') } } })).body.data!.recognizeText;
    const artifactId = (await gql(server.graphqlUrl, RequestByIdDocument, { id: viaBase64.request.id })).body.data!.request!.artifacts[0].artifact.id;
    const viaArtifact = (await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { artifactId } } })).body.data!.recognizeText;
    expect(viaArtifact.text).toBe(viaBase64.text);
  });

  it('a corrupt image → BAD_USER_INPUT, recorded as FAILED, and the next request still works', async () => {
    const truncated = page.subarray(0, Math.floor(page.length / 2));
    const { body } = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: truncated.toString('base64') } } });
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    const failed = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1, filter: { task: 'OCR', status: 'FAILED' } })).body.data!.requests.edges;
    expect(failed).toHaveLength(1);
    const detail = (await gql(server.graphqlUrl, RequestByIdDocument, { id: failed[0].node.id })).body.data!.request!;
    expect(detail.error?.code).toBe('BAD_USER_INPUT');
    const again = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: page.toString('base64') } } });
    expect(again.body.data?.recognizeText.text).toBe(PAGE_TEXT);
  });

  it('audio where an image is expected → BAD_USER_INPUT; unknown bytes → UNSUPPORTED_MEDIA_TYPE', async () => {
    const audio = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: speech.toString('base64') } } });
    expect(codeOf(audio.body)).toBe('BAD_USER_INPUT');
    const junk = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: Buffer.from('hello, not an image at all').toString('base64') } } });
    expect(codeOf(junk.body)).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('an image over MAX_IMAGE_PIXELS → PAYLOAD_TOO_LARGE', async () => {
    const huge = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#fff' } }).png().toBuffer();
    const { status, body } = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: huge.toString('base64') } } });
    expect(codeOf(body)).toBe('PAYLOAD_TOO_LARGE');
    expect(status).toBe(413);
  });

  it('an unknown model → MODEL_NOT_FOUND; a model of another task → BAD_USER_INPUT', async () => {
    const unknown = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: page.toString('base64') }, model: 'nope' } });
    expect(codeOf(unknown.body)).toBe('MODEL_NOT_FOUND');
    const wrongTask = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: page.toString('base64') }, model: 'tiny-lm' } });
    expect(codeOf(wrongTask.body)).toBe('BAD_USER_INPUT');
  });
});

describe('detectSpeech', () => {
  it('finds the spoken sentence between the silences', async () => {
    const { body } = await gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio: { base64: speech.toString('base64') } } });
    expect(body.errors).toBeUndefined();
    const result = body.data!.detectSpeech;
    expect(result.sampleRate).toBe(16000);
    expect(result.segments.length).toBeGreaterThanOrEqual(1);
    const first = result.segments[0];
    const last = result.segments.at(-1)!;
    expect(first.start).toBeGreaterThan(0.6);
    expect(first.start).toBeLessThan(1.4);
    expect(last.end).toBeGreaterThan(result.durationSeconds - 1.5);
    expect(last.end).toBeLessThan(result.durationSeconds - 0.6);
    expect(result.request.status).toBe('COMPLETED');
  });

  it('finds nothing in silence', async () => {
    const silence = execFileSync('sox', ['-n', '-r', '16000', '-b', '16', '-t', 'wav', '-', 'trim', '0', '2']);
    const { body } = await gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio: { base64: silence.toString('base64') } } });
    expect(body.data!.detectSpeech.segments).toEqual([]);
  });

  it('a threshold outside (0, 1) and an image instead of audio → BAD_USER_INPUT', async () => {
    const threshold = await gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio: { base64: speech.toString('base64') }, threshold: 1.5 } });
    expect(codeOf(threshold.body)).toBe('BAD_USER_INPUT');
    const image = await gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio: { base64: page.toString('base64') } } });
    expect(codeOf(image.body)).toBe('BAD_USER_INPUT');
  });
});

describe('model management', () => {
  it('unloads and reloads a model, and serves it again', async () => {
    const unloaded = await gql(server.graphqlUrl, UnloadModelDocument, { name: 'silero-vad' });
    expect(unloaded.body.data?.unloadModel.status).toBe('UNLOADED');
    expect((await gql(server.graphqlUrl, ModelByNameDocument, { name: 'silero-vad' })).body.data?.model?.status).toBe('UNLOADED');
    const loaded = await gql(server.graphqlUrl, LoadModelDocument, { name: 'silero-vad' });
    expect(loaded.body.data?.loadModel).toMatchObject({ status: 'READY', executionProvider: 'CPU' });
    const { body } = await gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio: { base64: speech.toString('base64') } } });
    expect(body.data?.detectSpeech.segments.length).toBeGreaterThan(0);
  });

  it('loading an unknown model → MODEL_NOT_FOUND', async () => {
    expect(codeOf((await gql(server.graphqlUrl, LoadModelDocument, { name: 'nope' })).body)).toBe('MODEL_NOT_FOUND');
    expect(codeOf((await gql(server.graphqlUrl, LoadModelDocument, { name: '../etc' })).body)).toBe('MODEL_NOT_FOUND');
  });
});
