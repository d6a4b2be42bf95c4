/**
 * Speech to text through the GraphQL API on a real server: the tone-alphabet CTC fixture
 * (known transcript) and the real Silero VAD for long audio; graphql-ws streaming order,
 * the mutation, history rows, cancellation and every bad input's stable code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import { TranscribeAudioDocument, TranscribeDocument, TranscriptionEventsDocument, TranscriptionRequestDocument } from './generated/graphql.js';
import { toneWav, writeCtcModel } from './fixtures/asr/ctc-model.js';

let models: TestModels;
let server: TestServer;

const codeOf = (body: { errors?: readonly unknown[] | null }) => (body.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code;

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

async function finalStatus(id: string): Promise<{ status: string; outputText?: string | null; error?: { code: string } | null }> {
  for (let i = 0; i < 100; i += 1) {
    const { body } = await gql(server.graphqlUrl, TranscriptionRequestDocument, { id });
    const row = body.data!.request!;
    if (row.status !== 'QUEUED' && row.status !== 'RUNNING') return row;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`request ${id} did not finish`);
}

beforeAll(async () => {
  models = await createTestModels({ lm: {}, real: ['silero-vad'] });
  await writeCtcModel(models.dir);
  server = await startTestServer({ modelsDir: models.dir, env: { MAX_AUDIO_SECONDS: '90' } });
});

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('subscription transcribe', () => {
  it('streams Started, one Segment per stretch of speech, then Completed, over graphql-ws', async () => {
    const { bytes, seconds } = toneWav([0.3, 'HELLO WORLD', 1.2, 'GOOD', 0.4]);
    const client = wsClient(server.wsUrl);
    const events = [];
    try {
      for await (const result of subscribeWs(client, TranscribeDocument, { input: { audio: { base64: base64(bytes) } } })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.transcribe);
      }
    } finally {
      await client.dispose();
    }
    expect(events.map((e) => e.__typename)).toEqual(['TranscriptionStarted', 'TranscriptionSegment', 'TranscriptionSegment', 'TranscriptionCompleted']);
    const [started, first, second, completed] = events;
    if (started.__typename !== 'TranscriptionStarted' || completed.__typename !== 'TranscriptionCompleted') throw new Error('wrong order');
    if (first.__typename !== 'TranscriptionSegment' || second.__typename !== 'TranscriptionSegment') throw new Error('wrong order');
    expect(started.model).toBe('tiny-ctc');
    expect([first.text, second.text]).toEqual(['HELLO WORLD', 'GOOD']);
    expect(first.start).toBeCloseTo(0.3, 2);
    expect(second.start).toBeGreaterThan(first.end + 1);
    expect(completed.text).toBe('HELLO WORLD GOOD');
    expect(completed.segments).toEqual([
      { start: first.start, end: first.end, text: first.text },
      { start: second.start, end: second.end, text: second.text },
    ]);
    expect(completed.durationSeconds).toBeCloseTo(seconds, 3);
    expect(completed.timings.realTimeFactor).toBeGreaterThan(0);
    expect(completed.timings.timeToFirstSegmentMs).toBeGreaterThanOrEqual(0);
    const row = await finalStatus(started.requestId);
    expect(row).toMatchObject({ status: 'COMPLETED', outputText: 'HELLO WORLD GOOD', task: 'SPEECH_RECOGNITION' });
  });

  it('cancels when the subscriber leaves, and records the request as CANCELLED', async () => {
    // 80 s: the VAD pass alone outlasts the moment the client leaves.
    const { bytes } = toneWav([20, 'SALT', 20, 'SALT', 39]);
    const client = wsClient(server.wsUrl);
    let requestId: string | undefined;
    try {
      for await (const result of subscribeWs(client, TranscribeDocument, { input: { audio: { base64: base64(bytes) } } })) {
        const event = result.data!.transcribe;
        if (event.__typename === 'TranscriptionStarted') {
          requestId = event.requestId;
          break;
        }
      }
    } finally {
      await client.dispose();
    }
    expect(requestId).toBeDefined();
    expect(await finalStatus(requestId!)).toMatchObject({ status: 'CANCELLED' });
  });

  it('lets a second client attach by request id while it runs, and replays a finished one from its row', async () => {
    const first = wsClient(server.wsUrl);
    const second = wsClient(server.wsUrl);
    try {
      // 40 s: over one window, so the VAD pass keeps the run alive while the second client attaches.
      const { bytes } = toneWav([0.5, 'SALT', 1, 'WORD', 38]);
      const seenByFirst: string[] = [];
      let attached: Promise<string[]> | undefined;
      for await (const result of subscribeWs(first, TranscribeDocument, { input: { audio: { base64: base64(bytes) } } })) {
        const event = result.data!.transcribe;
        seenByFirst.push(event.__typename);
        if (event.__typename === 'TranscriptionStarted') {
          attached = (async () => {
            const seen: string[] = [];
            for await (const r of subscribeWs(second, TranscriptionEventsDocument, { id: event.requestId })) seen.push(r.data!.transcriptionEvents.__typename);
            return seen;
          })();
        }
      }
      expect(await attached).toEqual(seenByFirst);
      expect(seenByFirst.at(-1)).toBe('TranscriptionCompleted');

      const { body } = await gql(server.graphqlUrl, TranscribeAudioDocument, { input: { audio: { base64: base64(toneWav([0.2, 'TIME', 1, 'REST', 0.2]).bytes) } } });
      const replay = [];
      for await (const r of subscribeWs(second, TranscriptionEventsDocument, { id: body.data!.transcribeAudio.request.id })) replay.push(r.data!.transcriptionEvents);
      expect(replay.map((e) => e.__typename)).toEqual(['TranscriptionStarted', 'TranscriptionSegment', 'TranscriptionSegment', 'TranscriptionCompleted']);
      expect(replay.flatMap((e) => (e.__typename === 'TranscriptionSegment' ? [e.text] : []))).toEqual(['TIME', 'REST']);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });

  it('answers a bad input on the subscription with its code and no stream', async () => {
    const client = wsClient(server.wsUrl);
    try {
      const results = [];
      for await (const result of subscribeWs(client, TranscribeDocument, { input: { audio: { base64: base64(toneWav(['SALT']).bytes) }, model: 'nope' } })) {
        results.push(result);
      }
      expect(results).toHaveLength(1);
      expect(codeOf(results[0])).toBe('MODEL_NOT_FOUND');
    } catch (error) {
      // graphql-ws reports a failed subscribe as an error list.
      expect(JSON.stringify(error)).toContain('MODEL_NOT_FOUND');
    } finally {
      await client.dispose();
    }
  });
});

describe('mutation transcribeAudio', () => {
  it('returns the transcript at once with its request, and keeps the result in the history', async () => {
    const { bytes } = toneWav([0.2, 'TIME TO REST', 0.2]);
    const { body } = await gql(server.graphqlUrl, TranscribeAudioDocument, { input: { audio: { base64: base64(bytes) }, language: 'en' } });
    expect(body.errors).toBeUndefined();
    const result = body.data!.transcribeAudio;
    expect(result.text).toBe('TIME TO REST');
    expect(result.segments.map((s) => s.text)).toEqual(['TIME TO REST']);
    expect(result.request).toMatchObject({ status: 'COMPLETED', task: 'SPEECH_RECOGNITION', model: 'tiny-ctc', outputText: 'TIME TO REST' });
    expect(result.request.result).toMatchObject({ __typename: 'TranscriptionResult', text: 'TIME TO REST' });
  });

  it('answers every bad input with a stable code and keeps serving', async () => {
    const good = base64(toneWav(['SALT']).bytes);
    const cases: [string, Record<string, unknown>, string][] = [
      ['unknown model', { audio: { base64: good }, model: 'no-such-model' }, 'MODEL_NOT_FOUND'],
      ['a model of another task', { audio: { base64: good }, model: 'tiny-lm' }, 'BAD_USER_INPUT'],
      ['a language the model lacks', { audio: { base64: good }, language: 'fr' }, 'BAD_USER_INPUT'],
      ['a malformed language', { audio: { base64: good }, language: 'English!' }, 'BAD_USER_INPUT'],
      ['bytes that are no audio', { audio: { base64: base64(new TextEncoder().encode('definitely not audio')) } }, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a truncated WAV', { audio: { base64: base64(toneWav(['SALT']).bytes.subarray(0, 30)) } }, 'BAD_USER_INPUT'],
      ['audio over MAX_AUDIO_SECONDS', { audio: { base64: base64(toneWav([95]).bytes) } }, 'PAYLOAD_TOO_LARGE'],
      ['two media sources', { audio: { base64: good, artifactId: 'x' } }, 'BAD_USER_INPUT'],
    ];
    for (const [what, input, code] of cases) {
      const { body } = await gql(server.graphqlUrl, TranscribeAudioDocument, { input: input as never });
      expect(codeOf(body), what).toBe(code);
    }
    const { body } = await gql(server.graphqlUrl, TranscribeAudioDocument, { input: { audio: { base64: good } } });
    expect(body.data?.transcribeAudio.text).toBe('SALT');
  });
});
