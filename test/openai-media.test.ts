/**
 * Embeddings and transcriptions through the OpenAI-compatible API with the official client,
 * on a real server: a BERT-like text embedder with known weights and the tone-alphabet CTC
 * recogniser (its transcript is the spelled text). Vectors match GraphQL's `embed`; every
 * transcription format carries the same transcript and segments.
 */
import { toFile, type OpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { openaiClient } from './support/openai.js';
import { gql } from './support/client.js';
import { EmbedDocument } from './generated/graphql.js';
import { toneWav, writeCtcModel } from './fixtures/asr/ctc-model.js';
import { writeBertLike } from './fixtures/vision/models.js';

let models: TestModels;
let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  models = await createTestModels({ real: ['silero-vad'] });
  await writeCtcModel(models.dir);
  await writeBertLike(models.dir, 'bert');
  server = await startTestServer({ modelsDir: models.dir });
  client = openaiClient(server);
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('embeddings', () => {
  it('embeds a list of strings like GraphQL embed does, one row per input marked as an OpenAI request', async () => {
    // The client asks for base64 by default and decodes it: this checks the float32 layout too.
    const answer = await client.embeddings.create({ model: 'bert', input: ['the cat sat', 'the dog'] });
    expect(answer.object).toBe('list');
    expect(answer.model).toBe('bert');
    expect(answer.data.map((d) => d.index)).toEqual([0, 1]);
    const { body } = await gql(server.graphqlUrl, EmbedDocument, { input: { text: 'the cat sat', model: 'bert' } });
    const graphql = body.data!.embed.vector;
    expect(answer.data[0]!.embedding).toHaveLength(graphql.length);
    answer.data[0]!.embedding.forEach((value, i) => expect(value).toBeCloseTo(graphql[i]!, 6));
    expect(answer.data[1]!.embedding).not.toEqual(answer.data[0]!.embedding);
    const { rows } = await server.app.services.requests.list({ task: 'TEXT_EMBEDDING' }, { first: 10 });
    const openai = rows.filter((row) => (row.parameters as { api?: string }).api === 'openai');
    expect(openai.map((row) => row.inputText).sort()).toEqual(['the cat sat', 'the dog']);
    expect(openai.every((row) => row.status === 'COMPLETED')).toBe(true);
  });

  it('answers floats when asked, for a single string', async () => {
    const answer = await client.embeddings.create({ model: 'bert', input: 'the mat', encoding_format: 'float' });
    expect(answer.data).toHaveLength(1);
    const norm = Math.hypot(...answer.data[0]!.embedding);
    expect(norm).toBeCloseTo(1, 4);
  });

  it('refuses dimensions and token arrays by name, before any work', async () => {
    await expect(client.embeddings.create({ model: 'bert', input: 'the cat', dimensions: 2 })).rejects.toMatchObject({ status: 400, param: 'dimensions' });
    await expect(client.embeddings.create({ model: 'bert', input: [[1, 2, 3]] })).rejects.toMatchObject({ status: 400, param: 'input' });
    await expect(client.embeddings.create({ model: 'bert', input: ['the cat', ' '] })).rejects.toMatchObject({ status: 400, param: 'input[1]' });
    // The text limits hold for the call as a whole (MAX_TOTAL_TEXT_CHARS), not only per row.
    const long = 'the cat '.repeat(2_500);
    await expect(client.embeddings.create({ model: 'bert', input: [long, long] })).rejects.toMatchObject({ status: 400, param: 'input' });
  });
});

describe('transcriptions', () => {
  const speech = () => toFile(Buffer.from(toneWav([0.3, 'HELLO WORLD', 1.2, 'GOOD', 0.4]).bytes), 'speech.wav', { type: 'audio/wav' });

  it('answers json with the transcript and leaves a COMPLETED row marked as an OpenAI request', async () => {
    const answer = await client.audio.transcriptions.create({ model: 'tiny-ctc', file: await speech(), language: 'en' });
    expect(answer.text).toBe('HELLO WORLD GOOD');
    const { rows } = await server.app.services.requests.list({ task: 'SPEECH_RECOGNITION' }, { first: 1 });
    expect(rows[0]).toMatchObject({ status: 'COMPLETED', outputText: 'HELLO WORLD GOOD', parameters: { language: 'en', api: 'openai' } });
  });

  it('answers verbose_json with segments and the duration', async () => {
    const answer = await client.audio.transcriptions.create({ model: 'tiny-ctc', file: await speech(), response_format: 'verbose_json' });
    expect(answer.text).toBe('HELLO WORLD GOOD');
    expect(answer.segments!.map((s) => s.text)).toEqual(['HELLO WORLD', 'GOOD']);
    expect(answer.segments![0]!.start).toBeCloseTo(0.3, 2);
    expect(answer.segments![1]!.start).toBeGreaterThan(answer.segments![0]!.end);
    expect(answer.duration).toBeGreaterThan(answer.segments![1]!.end);
  });

  it('answers text, srt and vtt', async () => {
    const text = await client.audio.transcriptions.create({ model: 'tiny-ctc', file: await speech(), response_format: 'text' });
    expect(String(text).trim()).toBe('HELLO WORLD GOOD');
    const srt = String(await client.audio.transcriptions.create({ model: 'tiny-ctc', file: await speech(), response_format: 'srt' }));
    expect(srt).toMatch(/^1\n00:00:00,\d{3} --> 00:00:0\d,\d{3}\nHELLO WORLD\n\n2\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\nGOOD\n$/);
    const vtt = String(await client.audio.transcriptions.create({ model: 'tiny-ctc', file: await speech(), response_format: 'vtt' }));
    expect(vtt).toMatch(/^WEBVTT\n\n00:00:00\.\d{3} --> 00:00:0\d\.\d{3}\nHELLO WORLD\n\n00:00:0\d\.\d{3} --> 00:00:0\d\.\d{3}\nGOOD\n$/);
  });

  it('refuses what it cannot honour (400), a file that is not audio (415) and an unknown model (404)', async () => {
    await expect(client.audio.transcriptions.create({ model: 'tiny-ctc', file: await speech(), prompt: 'names' })).rejects.toMatchObject({ status: 400, param: 'prompt' });
    const notAudio = await toFile(Buffer.from('just text'), 'notes.txt', { type: 'text/plain' });
    await expect(client.audio.transcriptions.create({ model: 'tiny-ctc', file: notAudio })).rejects.toMatchObject({ status: 415, code: 'unsupported_media_type' });
    await expect(client.audio.transcriptions.create({ model: 'whisper-1', file: await speech() })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });
});
