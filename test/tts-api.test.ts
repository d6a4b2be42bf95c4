/**
 * Speech synthesis through the GraphQL API on a real server with the shipped models:
 * tessera-tts speaks, tessera-asr listens (the round trip of issue 16, item 4, over GraphQL),
 * Silero VAD hears the speech over the whole recording; `speak` streams a chunk per sentence
 * over graphql-ws and a subscriber leaving cancels the request; every bad input is refused
 * with its code before any row; a spoken question is answered in speech by one pipeline.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import {
  DetectSpeechInArtifactDocument,
  RequestHistoryDocument,
  RequestByIdDocument,
  SpeakDocument,
  SpokenPipelineDocument,
  SynthesizeSpeechDocument,
  TranscribeArtifactDocument,
} from './generated/graphql.js';
import { wordEditDistance, wordErrorRate } from './fixtures/asr-speech/word-error-rate.js';
import { copyModel } from './fixtures/tts/round-trip.js';

/** models/tessera-tts/README.md: WER of the round trip on 30 held-out sentences; a margin for a sample of four. */
const CARD_WER = 0.446;
const MARGIN = 0.2;
const HELD_OUT = (JSON.parse(readFileSync('models/tessera-tts/recipe/heldout.json', 'utf8')) as string[]).slice(6, 10);

let repo: string;
let server: TestServer;

const codeOf = (body: { errors?: readonly unknown[] | null }) => (body.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code;

async function speechRows(): Promise<number> {
  const { body } = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1, filter: { task: 'TEXT_TO_SPEECH' } });
  return body.data!.requests.totalCount;
}

async function finalStatus(id: string): Promise<string> {
  for (let i = 0; i < 200; i += 1) {
    const { body } = await gql(server.graphqlUrl, RequestByIdDocument, { id });
    const status = body.data!.request!.status;
    if (status !== 'QUEUED' && status !== 'RUNNING') return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`request ${id} did not finish`);
}

beforeAll(async () => {
  repo = mkdtempSync(path.join(tmpdir(), 'tessera-tts-api-'));
  for (const name of ['tessera-tts', 'tessera-asr', 'silero-vad']) copyModel(name, repo);
  // The LM's tokenizer and config sit beside its manifest's one file.
  cpSync('models/tessera-lm', path.join(repo, 'tessera-lm'), { recursive: true, filter: (source) => !source.includes('/recipe') });
  server = await startTestServer({ modelsDir: repo });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('synthesizeSpeech', () => {
  it('stores a WAV that tessera-asr transcribes back within the card word error rate, with speech over its whole duration', async () => {
    // The held-out sentences carry no punctuation: a full stop after each makes it one chunk each.
    const text = HELD_OUT.map((sentence) => `${sentence}.`).join(' ');
    const { body } = await gql(server.graphqlUrl, SynthesizeSpeechDocument, { input: { text } });
    expect(body.errors).toBeUndefined();
    const spoken = body.data!.synthesizeSpeech;
    expect(spoken.sampleRate).toBe(22050);
    expect(spoken.audio.contentType).toBe('audio/wav');
    expect(spoken.request).toMatchObject({ status: 'COMPLETED', task: 'TEXT_TO_SPEECH', model: 'tessera-tts', inputText: text });
    expect(spoken.request.artifacts).toContainEqual({ role: 'output', artifact: { id: spoken.audio.id } });
    expect(spoken.request.result).toMatchObject({ __typename: 'SpeechResult', chunks: HELD_OUT.length, audio: { id: spoken.audio.id } });
    expect(spoken.timings.realTimeFactor).toBeGreaterThan(0);

    // The artifact served over HTTP is the WAV the duration describes: 44-byte header + 2 bytes a sample.
    const wav = new Uint8Array(await (await fetch(new URL(spoken.audio.url, server.url))).arrayBuffer());
    expect(Buffer.from(wav.subarray(0, 4)).toString('ascii')).toBe('RIFF');
    expect((wav.length - 44) / 2 / spoken.sampleRate).toBeCloseTo(spoken.durationSeconds, 3);

    const heard = await gql(server.graphqlUrl, TranscribeArtifactDocument, { id: spoken.audio.id });
    expect(heard.body.errors).toBeUndefined();
    const hypothesis = heard.body.data!.transcribeAudio.text;
    expect(wordErrorRate([text], [hypothesis]), hypothesis).toBeLessThanOrEqual(CARD_WER + MARGIN);

    const vad = await gql(server.graphqlUrl, DetectSpeechInArtifactDocument, { id: spoken.audio.id });
    const { segments, durationSeconds } = vad.body.data!.detectSpeech;
    expect(durationSeconds).toBeCloseTo(spoken.durationSeconds, 1);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments[0].start).toBeLessThan(0.5);
    expect(segments.at(-1)!.end).toBeGreaterThan(durationSeconds - 0.5);
    const speech = segments.reduce((total, s) => total + (s.end - s.start), 0);
    expect(speech / durationSeconds).toBeGreaterThan(0.6);
  }, 300_000);

  it('refuses empty text, too long text, a bad speed, an unknown voice and a model of another task, leaving no row', async () => {
    const before = await speechRows();
    const refusals: [Record<string, unknown>, string][] = [
      [{ text: '  ...  ' }, 'BAD_USER_INPUT'],
      [{ text: 'word '.repeat(1001) }, 'PAYLOAD_TOO_LARGE'],
      [{ text: 'Hello.', speed: 9 }, 'BAD_USER_INPUT'],
      [{ text: 'Hello.', voice: 'nobody' }, 'BAD_USER_INPUT'],
      [{ text: 'Hello.', model: 'tessera-asr' }, 'BAD_USER_INPUT'],
      [{ text: 'Hello.', model: 'no-such-voice' }, 'MODEL_NOT_FOUND'],
    ];
    for (const [input, code] of refusals) {
      const { body } = await gql(server.graphqlUrl, SynthesizeSpeechDocument, { input: input as { text: string } });
      expect(codeOf(body), JSON.stringify(input)).toBe(code);
    }
    expect(await speechRows()).toBe(before);
  });
});

describe('subscription speak', () => {
  it('streams Started, one chunk of PCM16 per sentence in order, then Completed with the stored WAV', async () => {
    const sentences = ['The cat sat on the mat.', 'It was a sunny day.'];
    const client = wsClient(server.wsUrl);
    const events = [];
    try {
      for await (const result of subscribeWs(client, SpeakDocument, { input: { text: sentences.join(' ') } })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.speak);
      }
    } finally {
      await client.dispose();
    }
    expect(events.map((e) => e.__typename)).toEqual(['SpeechStarted', 'SpeechChunk', 'SpeechChunk', 'SpeechCompleted']);
    const chunks = events.filter((e) => e.__typename === 'SpeechChunk');
    expect(chunks.map((c) => [c.sequence, c.text, c.sampleRate])).toEqual([
      [0, sentences[0], 22050],
      [1, sentences[1], 22050],
    ]);
    const samples = chunks.reduce((n, c) => n + Buffer.from(c.samples, 'base64').length / 2, 0);
    const completed = events.at(-1)!;
    if (completed.__typename !== 'SpeechCompleted') throw new Error('no completion');
    expect(samples / 22050).toBeCloseTo(completed.durationSeconds, 3);
    expect(completed.timings.timeToFirstAudioMs).toBeGreaterThan(0);
    expect(await finalStatus(completed.requestId)).toBe('COMPLETED');
  }, 120_000);

  it('cancels when the subscriber leaves after the first chunk, and records the request as CANCELLED', async () => {
    const text = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1} of a long speech.`).join(' ');
    const client = wsClient(server.wsUrl);
    let requestId: string | undefined;
    try {
      for await (const result of subscribeWs(client, SpeakDocument, { input: { text } })) {
        const event = result.data!.speak;
        if (event.__typename === 'SpeechStarted') requestId = event.requestId;
        if (event.__typename === 'SpeechChunk') break;
      }
    } finally {
      await client.dispose();
    }
    expect(requestId).toBeDefined();
    expect(await finalStatus(requestId!)).toBe('CANCELLED');
  }, 120_000);
});

describe('a SPEAK pipeline step', () => {
  it('answers a spoken question in speech: TRANSCRIBE → GENERATE → SPEAK, the answer audio heard back by tessera-asr', async () => {
    const question = await gql(server.graphqlUrl, SynthesizeSpeechDocument, { input: { text: 'What is the opposite of wet?' } });
    const questionAudio = question.body.data!.synthesizeSpeech.audio.id;
    const { body } = await gql(server.graphqlUrl, SpokenPipelineDocument, {
      input: {
        inputs: { audio: { artifactId: questionAudio } },
        steps: [
          { task: 'TRANSCRIBE', model: 'tessera-asr', language: 'en' },
          {
            task: 'GENERATE',
            model: 'tessera-lm',
            template: 'User: {{input}}?\nAssistant:',
            generation: { maxTokens: 16, temperature: 0, stop: ['\n'] },
          },
          { task: 'SPEAK', model: 'tessera-tts' },
        ],
      },
    });
    expect(body.errors).toBeUndefined();
    const { output, request } = body.data!.runPipelineOnce;
    expect(request.status).toBe('COMPLETED');
    expect(request.steps.map((s) => [s.task, s.status])).toEqual([
      ['SPEECH_RECOGNITION', 'COMPLETED'],
      ['TEXT_GENERATION', 'COMPLETED'],
      ['TEXT_TO_SPEECH', 'COMPLETED'],
    ]);
    expect(output.kind).toBe('AUDIO');
    expect(output.audio).not.toBeNull();
    const answer = request.steps[1].outputText!;
    expect(request.steps[2].outputText).toBe(answer.replace(/\s+/g, ' ').trim());
    const heard = await gql(server.graphqlUrl, TranscribeArtifactDocument, { id: output.audio!.id });
    const hypothesis = heard.body.data!.transcribeAudio.text;
    // One short answer is too few words for a word error rate; letters are compared instead.
    const letters = (text: string) => [...text.toLowerCase().replace(/[^a-z]/g, '')];
    const characterErrorRate = wordEditDistance(letters(answer), letters(hypothesis)) / letters(answer).length;
    expect(characterErrorRate, `${answer} → ${hypothesis}`).toBeLessThanOrEqual(0.5);
  }, 300_000);
});

describe('with AUTH=required', () => {
  let secured: TestServer;
  const keys: Record<string, string> = {};
  const bearer = (who: string) => ({ headers: { authorization: `Bearer ${keys[who]}` } });

  beforeAll(async () => {
    secured = await startTestServer({ modelsDir: repo, env: { AUTH: 'required' } });
    for (const [name, scopes] of [['alice', ['infer']], ['bob', ['infer']], ['reader', ['read']]] as const) {
      keys[name] = (await secured.app.services.keys.create(name, [...scopes])).key;
    }
  }, 120_000);

  afterAll(async () => {
    await secured?.close();
  });

  it('needs the infer scope, and the WAV is served to the key that asked for it, not to another', async () => {
    const refused = await gql(secured.graphqlUrl, SynthesizeSpeechDocument, { input: { text: 'Hello.' } }, bearer('reader'));
    expect(codeOf(refused.body)).toBe('FORBIDDEN');

    const { body } = await gql(secured.graphqlUrl, SynthesizeSpeechDocument, { input: { text: 'A private greeting for Alice.' } }, bearer('alice'));
    expect(body.errors).toBeUndefined();
    const url = new URL(body.data!.synthesizeSpeech.audio.url, secured.url);
    expect((await fetch(url, bearer('alice'))).status).toBe(200);
    expect((await fetch(url, bearer('bob'))).status).toBe(404);
  }, 120_000);
});
