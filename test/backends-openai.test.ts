/**
 * Models with an `openai` backend, served by a STAND-IN for an OpenAI-compatible server
 * (test/support/openai-standin.ts: the published chat-completions / completions SSE format
 * with `[DONE]` and `usage`, and embeddings), through the GraphQL API: a generation streams
 * with its history row and replay; a client that leaves closes the upstream stream and the
 * row ends CANCELLED; the upstream's failures come back as stable codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeSse, subscribeWs, wsClient } from './support/client.js';
import { OpenAIStandin } from './support/openai-standin.js';
import { tempRepository, writeModelFolder } from './fixtures/models/model-folder.js';
import { wavefileWav } from './fixtures/media/signals.js';
import { EmbedDocument, TranscribeAudioDocument, GenerateDocument, GenerateTextDocument, ModelBackendsDocument, RequestByIdDocument, RequestEventsDocument, RequestHistoryDocument } from './generated/graphql.js';

let server: TestServer;
let standin: OpenAIStandin;

const textModel = (backend: Record<string, unknown>) => ({
  task: 'TEXT_GENERATION' as const,
  inputModalities: ['TEXT' as const],
  outputModalities: ['TEXT' as const, 'TOKENS' as const],
  source: 'an OpenAI-compatible server',
  license: 'MIT',
  backend: backend as never,
});

beforeAll(async () => {
  standin = new OpenAIStandin({ apiKey: 'sk-standin' });
  const url = await standin.start();
  process.env.TESSERA_TEST_STANDIN_KEY = 'sk-standin';
  const repo = await tempRepository('tessera-openai-');
  await writeModelFolder(repo, 'remote-lm', {}, textModel({ kind: 'openai', url, model: 'standin-lm', apiKey: 'env:TESSERA_TEST_STANDIN_KEY' }));
  await writeModelFolder(repo, 'impatient-lm', {}, textModel({ kind: 'openai', url, model: 'standin-lm', apiKey: 'env:TESSERA_TEST_STANDIN_KEY', timeoutMs: 300 }));
  await writeModelFolder(repo, 'keyless-lm', {}, textModel({ kind: 'openai', url, model: 'standin-lm', apiKey: 'env:TESSERA_TEST_UNSET_KEY' }));
  await writeModelFolder(repo, 'remote-embedder', {}, {
    task: 'TEXT_EMBEDDING',
    inputModalities: ['TEXT'],
    outputModalities: ['EMBEDDING'],
    source: 'an OpenAI-compatible server',
    license: 'MIT',
    backend: { kind: 'openai', url, model: 'standin-embedder', apiKey: 'env:TESSERA_TEST_STANDIN_KEY' } as never,
  });
  await writeModelFolder(repo, 'remote-whisper', {}, {
    task: 'SPEECH_RECOGNITION',
    inputModalities: ['AUDIO'],
    outputModalities: ['TEXT', 'SEGMENTS'],
    source: 'an OpenAI-compatible server',
    license: 'MIT',
    backend: { kind: 'openai', url, model: 'standin-whisper', apiKey: 'env:TESSERA_TEST_STANDIN_KEY' } as never,
  });
  server = await startTestServer({ modelsDir: repo });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await standin?.close();
});

async function generateEvents(input: object) {
  const client = wsClient(server.wsUrl);
  try {
    const events = [];
    for await (const result of subscribeWs(client, GenerateDocument, { input: input as never })) {
      expect(result.errors).toBeUndefined();
      events.push(result.data!.generate);
    }
    return events;
  } finally {
    await client.dispose();
  }
}

async function settledRow(id: string) {
  for (;;) {
    const row = (await gql(server.graphqlUrl, RequestByIdDocument, { id })).body.data!.request!;
    if (row.status !== 'QUEUED' && row.status !== 'RUNNING') return row;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('an openai backend', () => {
  it('streams a chat generation token by token, with its row and its replay', async () => {
    const messages = [{ role: 'user' as never, content: 'red green blue' }];
    const events = await generateEvents({ model: 'remote-lm', messages, maxTokens: 5, logprobs: true, topLogprobs: 1 });
    const expected = OpenAIStandin.words('red green blue', 5);
    expect(events[0]).toMatchObject({ __typename: 'GenerationStarted', model: 'remote-lm' });
    const tokens = events.filter((e) => e.__typename === 'GenerationToken');
    expect(tokens.map((t) => (t.__typename === 'GenerationToken' ? [t.index, t.text, t.tokenId] : []))).toEqual(expected.map((w, i) => [i, w, -1]));
    expect(tokens.map((t) => (t.__typename === 'GenerationToken' ? t.logprob : null))).toEqual(expected.map((_, i) => -0.25 * (i + 1)));
    const completed = events.at(-1)!;
    expect(completed).toMatchObject({ __typename: 'GenerationCompleted', finishReason: 'LENGTH', text: expected.join(''), usage: { promptTokens: 3, completionTokens: 5 } });

    const sent = standin.seen.findLast((s) => s.path === '/v1/chat/completions')!;
    expect(sent.authorization).toBe('Bearer sk-standin');
    expect(sent.body).toMatchObject({ model: 'standin-lm', stream: true, stream_options: { include_usage: true }, temperature: 0, max_tokens: 5, messages: [{ role: 'user', content: 'red green blue' }] });

    const id = completed.__typename === 'GenerationCompleted' ? completed.requestId : '';
    const row = await settledRow(id);
    expect(row).toMatchObject({ status: 'COMPLETED', model: 'remote-lm', task: 'TEXT_GENERATION', outputText: expected.join(''), promptTokens: 3, completionTokens: 5 });
    const client = wsClient(server.wsUrl);
    try {
      const replay = [];
      for await (const result of subscribeWs(client, RequestEventsDocument, { id })) replay.push(result.data!.requestEvents);
      expect(replay.filter((e) => e.__typename === 'GenerationToken').map((e) => (e.__typename === 'GenerationToken' ? e.text : ''))).toEqual(expected);
    } finally {
      await client.dispose();
    }
  });

  it('sends a raw prompt to completions and reads the stream to its end', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'remote-lm', prompt: 'one two', maxTokens: 20 } });
    expect(body.errors).toBeUndefined();
    // "echo" then the prompt's words four times over: 9 words, under maxTokens, so the upstream stopped.
    expect(body.data!.generateText).toMatchObject({ text: OpenAIStandin.words('one two', 20).join(''), finishReason: 'STOP', usage: { completionTokens: 9 } });
    expect(standin.seen.at(-1)!.path).toBe('/v1/completions');
    expect(body.data!.generateText.request.status).toBe('COMPLETED');
  });

  it('closes the upstream stream when the client leaves, and the row ends CANCELLED', async () => {
    standin.options.chunkDelayMs = 100;
    const closedBefore = standin.closedEarly;
    const finishedBefore = standin.finished;
    // Over SSE, leaving is dropping the connection: the request's own signal follows it.
    const leave = new AbortController();
    let requestId = '';
    try {
      let tokens = 0;
      for await (const result of subscribeSse(server.graphqlUrl, GenerateDocument, { input: { model: 'remote-lm', prompt: 'a b c d e f', maxTokens: 200 } }, leave.signal)) {
        const event = result.data!.generate;
        if (event.__typename === 'GenerationStarted') requestId = event.requestId;
        if (event.__typename === 'GenerationToken' && ++tokens === 2) {
          leave.abort();
          break;
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
    try {
      const row = await settledRow(requestId);
      expect(row.status).toBe('CANCELLED');
      expect(row.completionTokens).toBeGreaterThanOrEqual(2);
      while (standin.closedEarly === closedBefore) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(standin.closedEarly).toBe(closedBefore + 1);
      expect(standin.finished).toBe(finishedBefore);
    } finally {
      // Only now: a stand-in sped up earlier would finish the stream before the cancel arrives.
      standin.options.chunkDelayMs = 0;
    }
  });

  it('maps an upstream 500 to UPSTREAM_UNAVAILABLE on a FAILED row', async () => {
    standin.failNext({ status: 500 });
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'remote-lm', prompt: 'x' } });
    expect(body.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(body.errors?.[0].message).toMatch(/answered 500: stand-in fault 500/);
    const history = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1 });
    expect(history.body.data!.requests.edges[0].node).toMatchObject({ status: 'FAILED' });
  });

  it('passes on the upstream queue being full (429, 503) as OVERLOADED, leaving no row', async () => {
    for (const status of [429, 503]) {
      const before = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1 })).body.data!.requests.totalCount;
      standin.failNext({ status, body: { error: { message: 'too many requests in queue' } } });
      const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'remote-lm', prompt: 'x' } });
      expect(body.errors?.[0].extensions?.code).toBe('OVERLOADED');
      expect(body.errors?.[0].message).toMatch(/too many requests in queue/);
      expect((await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1 })).body.data!.requests.totalCount).toBe(before);
    }
  });

  it("answers an upstream 400 as BAD_USER_INPUT with the upstream's message", async () => {
    standin.failNext({ status: 400, body: { error: { message: "This model's maximum context length is 4096 tokens." } } });
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'remote-lm', prompt: 'x' } });
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toBe("This model's maximum context length is 4096 tokens.");
  });

  it('gives up on an upstream that does not answer in time with UPSTREAM_TIMEOUT', async () => {
    standin.failNext({ delayMs: 1500 });
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'impatient-lm', prompt: 'x' } });
    expect(body.errors?.[0].extensions?.code).toBe('UPSTREAM_TIMEOUT');
    expect(body.errors?.[0].message).toMatch(/did not answer within 300 ms/);
  });

  it('checks parameters here before calling the upstream', async () => {
    const calls = standin.seen.length;
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'remote-lm', prompt: 'x', topP: 2 } });
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(standin.seen.length).toBe(calls);
  });

  it('refuses to load a model whose key variable is not set, naming it', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'keyless-lm', prompt: 'x' } });
    expect(body.errors?.[0].extensions?.code).toBe('MODEL_LOAD_FAILED');
    expect(body.errors?.[0].message).toMatch(/TESSERA_TEST_UNSET_KEY/);
  });

  it('embeds text through the upstream /embeddings', async () => {
    const { body } = await gql(server.graphqlUrl, EmbedDocument, { input: { text: 'the cat sat', model: 'remote-embedder' } });
    expect(body.errors).toBeUndefined();
    const expected = OpenAIStandin.embedding('the cat sat', 16);
    expect(body.data!.embed.dimension).toBe(16);
    body.data!.embed.vector.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(standin.seen.at(-1)).toMatchObject({ path: '/v1/embeddings', body: { model: 'standin-embedder', input: ['the cat sat'] } });
  });

  it('lists the backend and its health', async () => {
    const { body } = await gql(server.graphqlUrl, ModelBackendsDocument, {});
    const lm = body.data!.models.find((m) => m.name === 'remote-lm')!;
    expect(lm.backend).toMatchObject({ kind: 'OPENAI', url: standin.url, model: 'standin-lm', health: { ready: true, problem: null } });
  });

  it('transcribes audio through the upstream /audio/transcriptions, as 16 kHz 16-bit WAV', async () => {
    // 1.5 s of a 440 Hz tone at 8 kHz: decoded and resampled here to the 16 kHz the upstream is sent.
    const tone = Float64Array.from({ length: 12_000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    const audio = Buffer.from(wavefileWav([tone], 8000, '16')).toString('base64');
    const { body } = await gql(server.graphqlUrl, TranscribeAudioDocument, { input: { audio: { base64: audio }, model: 'remote-whisper', language: 'de' } });
    expect(body.errors).toBeUndefined();
    const expected = OpenAIStandin.transcript(1.5, 'de');
    expect(body.data!.transcribeAudio).toMatchObject({ text: expected, segments: [{ start: 0, end: 1.5, text: expected }] });
    expect(body.data!.transcribeAudio.request).toMatchObject({ status: 'COMPLETED', model: 'remote-whisper', outputText: expected });
    expect(standin.seen.at(-1)).toMatchObject({ body: { model: 'standin-whisper', response_format: 'verbose_json', language: 'de', sampleRate: 16000 }, authorization: 'Bearer sk-standin' });
  });
});
