/**
 * Abuse limits and cost checked before work, as a hostile client meets them: a real server on
 * SQLite and on PostgreSQL, raw HTTP bodies and a real graphql-ws socket. Every probe here
 * answered 500, froze the server or ran to completion before the limits existed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { firstCode, postGraphql, wavWithRate } from './support/probes.js';

let models: TestModels;

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 256 }, real: ['silero-vad'] });
});

afterAll(() => models?.cleanup());

async function requestCount(server: TestServer): Promise<number> {
  const result = await postGraphql(server.graphqlUrl, { query: '{ requests(first: 1) { totalCount } }' });
  return (result.body?.data?.requests as { totalCount: number }).totalCount;
}

async function stillServes(server: TestServer): Promise<void> {
  const result = await postGraphql(server.graphqlUrl, { query: '{ models { name } }' });
  expect(result.status).toBe(200);
  expect(result.body?.errors).toBeUndefined();
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe.each(['sqlite', 'postgres'] as const)('limits on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ modelsDir: models.dir, database, env: { MAX_BODY_BYTES: '2mb', MAX_UPLOAD_BYTES: '1mb' } });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('parent { } nested 2,000 deep is a limit error, not a 500', async () => {
    const query = `{ requests(first: 1) { edges { node { ${'parent { '.repeat(2000)}id${' }'.repeat(2000)} } } } }`;
    const result = await postGraphql(server.graphqlUrl, { query });
    expect(result.status).toBe(400);
    expect(firstCode(result)).toBe('QUERY_TOO_COMPLEX');
    await stillServes(server);
  });

  it('steps { parent { … } } 14 deep is refused for depth', async () => {
    const query = `{ requests(first: 5) { edges { node { ${'steps { parent { '.repeat(7)}id${' } }'.repeat(7)} } } } }`;
    const result = await postGraphql(server.graphqlUrl, { query });
    expect(result.status).toBe(400);
    expect(firstCode(result)).toBe('QUERY_TOO_COMPLEX');
    expect(result.body?.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('1,000 aliases of requests(first: 100) are refused', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: requests(first: 100) { totalCount }`).join(' ')} }`;
    const result = await postGraphql(server.graphqlUrl, { query });
    expect(result.status).toBe(400);
    expect(firstCode(result)).toBe('QUERY_TOO_COMPLEX');
  });

  it('a dozen generateText aliases cost more than the limit and run none', async () => {
    const before = await requestCount(server);
    const query = `mutation { ${Array.from({ length: 12 }, (_, i) => `g${i}: generateText(input: { prompt: "hi", maxTokens: 2 }) { text }`).join(' ')} }`;
    const result = await postGraphql(server.graphqlUrl, { query });
    expect(result.status).toBe(400);
    expect(firstCode(result)).toBe('QUERY_TOO_COMPLEX');
    expect(result.body?.errors?.[0]?.message).toMatch(/cost/i);
    expect(await requestCount(server)).toBe(before);
    // __typename costs next to nothing: the same number of aliases of it pass.
    const cheap = await postGraphql(server.graphqlUrl, { query: `{ ${Array.from({ length: 12 }, (_, i) => `t${i}: __typename`).join(' ')} }` });
    expect(cheap.status).toBe(200);
  });

  it('a document of 100,000 tokens is refused while lexing', async () => {
    const query = `{ ${'__typename '.repeat(100_000)}}`;
    const result = await postGraphql(server.graphqlUrl, { query });
    expect(result.status).toBe(400);
    expect(firstCode(result)).toBe('QUERY_TOO_COMPLEX');
    expect(result.body?.errors?.[0]?.message).toMatch(/token/i);
  });

  it('over-large variables are PAYLOAD_TOO_LARGE (413)', async () => {
    const result = await postGraphql(server.graphqlUrl, { query: '{ models { name } }', variables: { pad: 'x'.repeat(3 * 1024 * 1024) } });
    expect(result.status).toBe(413);
    expect(firstCode(result)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a graphql-ws message over the body limit closes that socket only', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(3 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
    await stillServes(server);
  });

  it('a WAV declaring 0xFFFFFFFF Hz or 40,000,008 Hz is BAD_USER_INPUT before any decoding', async () => {
    for (const rate of [0xffffffff, 40_000_008]) {
      const result = await postGraphql(server.graphqlUrl, {
        query: 'mutation($b: String!) { detectSpeech(input: { audio: { base64: $b } }) { durationSeconds } }',
        variables: { b: base64(wavWithRate(rate, 200)) },
      });
      expect(firstCode(result), String(rate)).toBe('BAD_USER_INPUT');
      expect(result.body?.errors?.[0]?.message).toMatch(/sample rate/);
    }
    await stillServes(server);
  });

  it('a 1 Hz WAV declaring 590 s of audio is refused before compute', async () => {
    const result = await postGraphql(server.graphqlUrl, {
      query: 'mutation($b: String!) { detectSpeech(input: { audio: { base64: $b } }) { durationSeconds } }',
      variables: { b: base64(wavWithRate(1, 590)) },
    });
    expect(firstCode(result)).toBe('BAD_USER_INPUT');
    expect(result.body?.errors?.[0]?.message).toMatch(/1 Hz/);
  });

  it('a prompt, or messages together, over the character limit are refused before tokenizing', async () => {
    const prompt = await postGraphql(server.graphqlUrl, {
      query: 'mutation($p: String!) { generateText(input: { prompt: $p, maxTokens: 1 }) { text } }',
      variables: { p: 'word '.repeat(200_000) },
    });
    expect(firstCode(prompt)).toBe('BAD_USER_INPUT');
    expect(prompt.body?.errors?.[0]?.message).toMatch(/MAX_TEXT_CHARS/);
    const messages = await postGraphql(server.graphqlUrl, {
      query: 'mutation($m: [ChatMessageInput!]!) { generateText(input: { messages: $m, maxTokens: 1 }) { text } }',
      variables: { m: Array.from({ length: 100 }, () => ({ role: 'user', content: 'y'.repeat(1000) })) },
    });
    expect(firstCode(messages)).toBe('BAD_USER_INPUT');
    expect(messages.body?.errors?.[0]?.message).toMatch(/MAX_TOTAL_TEXT_CHARS/);
    await stillServes(server);
  });
});
