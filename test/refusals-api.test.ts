/**
 * One rule for refused requests, through the GraphQL API for every task: a request refused
 * before it is accepted (validation, an unknown model, a closing server) leaves no row in
 * the history. A refusal by a full queue takes the same path in the run service
 * (test/runs-service.test.ts). Real server, real SQLite file, real models where one is needed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql } from './support/client.js';
import {
  CaptionImageTextDocument,
  ClassifyImageDocument,
  ClassifyImageZeroShotDocument,
  DetectSpeechDocument,
  EmbedDocument,
  GenerateTextDocument,
  RecognizeTextDocument,
  RunPipelineOnceDocument,
  TranscribeAudioDocument,
} from './generated/graphql.js';

let models: TestModels;
let server: TestServer;
let image: { base64: string };
let audio: { base64: string };

beforeAll(async () => {
  models = await createTestModels({ lm: {}, real: ['paddleocr-v4', 'silero-vad'] });
  server = await startTestServer({ modelsDir: models.dir });
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#fff' } }).png().toBuffer();
  image = { base64: png.toString('base64') };
  const wav = path.join(mkdtempSync(path.join(tmpdir(), 'tessera-refusal-')), 'silence.wav');
  execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', wav, 'trim', '0', '1']);
  audio = { base64: readFileSync(wav).toString('base64') };
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

const rows = () => server.app.services.requests.count({});

/** Each task, asked something it refuses before accepting it. */
const refused = () => [
  { task: 'OCR', code: 'MODEL_NOT_FOUND', call: () => gql(server.graphqlUrl, RecognizeTextDocument, { input: { image, model: 'nope' } }) },
  { task: 'OCR (audio for an image)', code: 'BAD_USER_INPUT', call: () => gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: audio } }) },
  { task: 'VAD', code: 'BAD_USER_INPUT', call: () => gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio, threshold: 2 } }) },
  { task: 'ASR', code: 'BAD_USER_INPUT', call: () => gql(server.graphqlUrl, TranscribeAudioDocument, { input: { audio, language: 'English!' } }) },
  { task: 'generation', code: 'BAD_USER_INPUT', call: () => gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', topP: 2 } }) },
  { task: 'generation (model)', code: 'MODEL_NOT_FOUND', call: () => gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', model: 'nope' } }) },
  { task: 'captioning', code: 'MODEL_NOT_FOUND', call: () => gql(server.graphqlUrl, CaptionImageTextDocument, { input: { image, model: 'nope' } }) },
  { task: 'classification', code: 'BAD_USER_INPUT', call: () => gql(server.graphqlUrl, ClassifyImageDocument, { input: { image, topK: 0 } }) },
  { task: 'zero-shot', code: 'BAD_USER_INPUT', call: () => gql(server.graphqlUrl, ClassifyImageZeroShotDocument, { input: { image, labels: [] } }) },
  { task: 'embed', code: 'BAD_USER_INPUT', call: () => gql(server.graphqlUrl, EmbedDocument, { input: {} }) },
  {
    task: 'pipeline',
    code: 'BAD_USER_INPUT',
    call: () => gql(server.graphqlUrl, RunPipelineOnceDocument, { input: { steps: [{ task: 'RECOGNIZE_TEXT' }], inputs: { text: 'not an image' } } }),
  },
];

describe('a request refused before it is accepted leaves no row', () => {
  it.each(refused().map((r) => [r.task, r] as const))('%s', async (_task, { code, call }) => {
    const before = await rows();
    const { body } = await call();
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(await rows()).toBe(before);
  });

  it('the checks can fail: an accepted request does leave its row', async () => {
    const before = await rows();
    const { body } = await gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio } });
    expect(body.errors).toBeUndefined();
    expect(await rows()).toBe(before + 1);
  });

  // Last: the server stays closed afterwards.
  it('while the server shuts down, every task answers SHUTTING_DOWN and writes no row', async () => {
    await server.app.services.runs.drain(1000);
    const before = await rows();
    const closing = [
      () => gql(server.graphqlUrl, RecognizeTextDocument, { input: { image } }),
      () => gql(server.graphqlUrl, DetectSpeechDocument, { input: { audio } }),
      () => gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', maxTokens: 2 } }),
      () => gql(server.graphqlUrl, RunPipelineOnceDocument, { input: { steps: [{ task: 'GENERATE', generation: { maxTokens: 2 } }], inputs: { text: 'x' } } }),
    ];
    for (const call of closing) {
      const { body } = await call();
      expect(body.errors?.[0]?.extensions?.code).toBe('SHUTTING_DOWN');
    }
    expect(await rows()).toBe(before);
  });
});
