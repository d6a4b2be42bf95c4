/**
 * Every refusal of the OpenAI-compatible API over raw HTTP: OpenAI's error shape
 * `{ error: { message, type, param, code } }` with the status GraphQL answers for the same
 * code (401, 403, 404, 400, 413, 415, 429 with Retry-After, 503), no row left by a refused
 * request, and a server that keeps serving afterwards.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';

let models: TestModels;
let server: TestServer;
const keys = { app: '', reader: '', limited: '' };
const RATE_LIMIT = 60;

const CHAT = { model: 'tiny-lm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };

async function call(path: string, init: { method?: string; key?: string | null; body?: unknown; type?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? keys.app}`;
  if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const rows = async () => (await server.app.services.requests.list({}, { first: 100 })).rows.length;

function expectError(answer: { status: number; body: unknown }, status: number, type: string, code: string, param: string | null = null) {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error: { message: expect.any(String), type, param, code } });
  expect((answer.body as { error: { message: string } }).error.message.length).toBeGreaterThan(10);
}

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 1024 } });
  // One running and one waiting at most, so a third request meets a full queue.
  const manifest = path.join(models.dir, 'tiny-lm', 'model.json');
  writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), batching: { maxBatchSize: 1, maxQueue: 1 } }));
  server = await startTestServer({
    modelsDir: models.dir,
    env: { AUTH: 'required', MAX_BODY_BYTES: '64kb', RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT), CORS_ORIGINS: 'https://app.example' },
  });
  const store = server.app.services.keys;
  keys.app = (await store.create('app', ['infer'])).key;
  keys.reader = (await store.create('reader', ['read'])).key;
  keys.limited = (await store.create('limited', ['infer'])).key;
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('authentication and scopes', () => {
  it('401 without a key, with a challenge', async () => {
    const answer = await call('/v1/models', { key: null });
    expectError(answer, 401, 'authentication_error', 'unauthenticated');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('401 for an unknown key', async () => {
    expectError(await call('/v1/chat/completions', { key: 'tsk_' + 'x'.repeat(43), body: CHAT }), 401, 'authentication_error', 'unauthenticated');
  });

  it('403 for a read key that tries to generate; the same key may list models', async () => {
    expectError(await call('/v1/chat/completions', { key: keys.reader, body: CHAT }), 403, 'permission_error', 'forbidden');
    expect((await call('/v1/models', { key: keys.reader })).status).toBe(200);
  });
});

describe('browsers', () => {
  it('403 for a foreign Origin that is not allow-listed, before anything runs', async () => {
    const before = await rows();
    expectError(await call('/v1/chat/completions', { body: CHAT, headers: { origin: 'https://evil.example' } }), 403, 'permission_error', 'forbidden');
    expect(await rows()).toBe(before);
  });

  it('CORS headers, without credentials, for an allow-listed Origin and its preflight', async () => {
    const answer = await call('/v1/models', { headers: { origin: 'https://app.example' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  });
});

describe('bad requests leave no row', () => {
  const cases: [string, string, unknown, number, string, string, string | null][] = [
    ['an unknown model', '/v1/chat/completions', { ...CHAT, model: 'nope' }, 404, 'not_found_error', 'model_not_found', null],
    ['a body that is not JSON', '/v1/chat/completions', '{"model":', 400, 'invalid_request_error', 'bad_user_input', null],
    ['a field of the wrong type', '/v1/chat/completions', { ...CHAT, temperature: 'hot' }, 400, 'invalid_request_error', 'bad_user_input', 'temperature'],
    ['a missing field', '/v1/chat/completions', { model: 'tiny-lm' }, 400, 'invalid_request_error', 'bad_user_input', 'messages'],
    ['a value out of the engine range', '/v1/chat/completions', { ...CHAT, top_p: 5 }, 400, 'invalid_request_error', 'bad_user_input', 'top_p'],
    ['too many choices', '/v1/chat/completions', { ...CHAT, n: 9 }, 400, 'invalid_request_error', 'bad_user_input', 'n'],
    [
      'an image for a text-only model',
      '/v1/chat/completions',
      { ...CHAT, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] },
      400,
      'invalid_request_error',
      'bad_user_input',
      'messages[0].content[0]',
    ],
    ['logit_bias', '/v1/chat/completions', { ...CHAT, logit_bias: { '5': 10 } }, 400, 'invalid_request_error', 'bad_user_input', 'logit_bias'],
    ['echo on completions', '/v1/completions', { model: 'tiny-lm', prompt: 'x', echo: true }, 400, 'invalid_request_error', 'bad_user_input', 'echo'],
    ['a chat model asked to embed', '/v1/embeddings', { model: 'tiny-lm', input: 'x' }, 400, 'invalid_request_error', 'bad_user_input', null],
    ['an embedding without input', '/v1/embeddings', { model: 'tiny-lm' }, 400, 'invalid_request_error', 'bad_user_input', 'input'],
  ];
  it.each(cases)('%s', async (_what, path, body, status, type, code, param) => {
    const before = await rows();
    expectError(await call(path, { body }), status, type, code, param);
    expect(await rows()).toBe(before);
  });

  it('404 for a path the API does not have, 400 for a method a path does not answer', async () => {
    expectError(await call('/v1/images/generations', { body: {} }), 404, 'not_found_error', 'not_found');
    expectError(await call('/v1/chat/completions'), 400, 'invalid_request_error', 'bad_user_input');
  });

  it('404 for a model id that does not exist', async () => {
    expectError(await call('/v1/models/nope'), 404, 'not_found_error', 'model_not_found');
  });

  it('415 for a body that is not JSON by its Content-Type, and for a transcription sent as JSON', async () => {
    expectError(await call('/v1/chat/completions', { body: JSON.stringify(CHAT), type: 'text/plain' }), 415, 'invalid_request_error', 'unsupported_media_type');
    expectError(await call('/v1/audio/transcriptions', { body: { model: 'x' } }), 415, 'invalid_request_error', 'unsupported_media_type');
  });

  it('413 for a body over MAX_BODY_BYTES, announced or streamed', async () => {
    const big = { ...CHAT, messages: [{ role: 'user', content: 'x'.repeat(70_000) }] };
    expectError(await call('/v1/chat/completions', { body: big }), 413, 'invalid_request_error', 'payload_too_large');
    // No Content-Length: the body arrives chunked and is counted while it is read.
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(big)));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.app}`, 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expectError({ status: response.status, body: await response.json() }, 413, 'invalid_request_error', 'payload_too_large');
  });
});

describe('limits', () => {
  it('429 with Retry-After once a key spent its requests for the minute', async () => {
    for (let i = 0; i < RATE_LIMIT; i += 1) expect((await call('/v1/models', { key: keys.limited })).status).toBe(200);
    const answer = await call('/v1/models', { key: keys.limited });
    expectError(answer, 429, 'rate_limit_error', 'rate_limited');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Other keys are not affected.
    expect((await call('/v1/models')).status).toBe(200);
  });

  it('still serves after all of the above', async () => {
    const answer = await call('/v1/chat/completions', { body: CHAT });
    expect(answer.status).toBe(200);
    expect(answer.body.choices[0].finish_reason).toBe('length');
  });

  it('503 for a stream that meets a full queue, before the stream begins, leaving no row for it', async () => {
    const long = { ...CHAT, max_tokens: 900, stream: true };
    const running = new AbortController();
    const waiting = new AbortController();
    const first = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.app}`, 'content-type': 'application/json' },
      body: JSON.stringify(long),
      signal: running.signal,
    });
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    await reader.read();
    // The second waits in the queue: its answer (headers included) comes only when it starts.
    const second = fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.app}`, 'content-type': 'application/json' },
      body: JSON.stringify(long),
      signal: waiting.signal,
    }).catch(() => null);
    let queued = false;
    for (let i = 0; i < 200 && !queued; i += 1) {
      queued = (await server.app.services.requests.list({ status: 'QUEUED' }, { first: 10 })).rows.length > 0;
      if (!queued) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(queued).toBe(true);
    const before = await rows();
    const third = await call('/v1/chat/completions', { body: long });
    expectError(third, 503, 'server_error', 'overloaded');
    expect(await rows()).toBe(before);
    running.abort();
    waiting.abort();
    await second;
  });

  // Last: the server stays closed afterwards.
  it('503 while the server shuts down, leaving no row', async () => {
    await server.app.services.runs.drain(1000);
    const before = await rows();
    expectError(await call('/v1/chat/completions', { body: CHAT }), 503, 'server_error', 'shutting_down');
    expect(await rows()).toBe(before);
  });
});
