/**
 * The bugs the attack probes found, each as the probe that found it: concurrent uploads of
 * the same new bytes (SQLite and PostgreSQL), the same node twice, a syntax error on a shared
 * graphql-ws socket, an unknown request id, a model file corrupted in place behind the
 * checksum cache, and non-finite model outputs.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { firstCode, postGraphql } from './support/probes.js';
import { ChecksumCache, ChecksumMismatchError } from '../src/inference/repository/checksum.js';
import { ranked, l2Normalize } from '../src/inference/tasks/vision/scores.js';
import { TesseraError } from '../src/errors.js';

let models: TestModels;

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 2048 } });
});

afterAll(() => models?.cleanup());

async function uploadForm(url: string, bytes: Uint8Array) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: 'mutation($f: File!) { uploadArtifact(file: { file: $f }) { id } }', variables: { f: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.f'] }));
  form.set('0', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), 'blob.bin');
  const response = await fetch(url, { method: 'POST', body: form, headers: { 'graphql-require-preflight': '1' } });
  return { status: response.status, body: (await response.json()) as { data?: { uploadArtifact: { id: string } } } };
}

describe.each(['sqlite', 'postgres'] as const)('concurrent uploads on %s', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ modelsDir: models.dir, database });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('20 uploads of the same new bytes at once all succeed with one id', async () => {
    for (let round = 0; round < 3; round++) {
      const bytes = new Uint8Array(randomBytes(64 * 1024));
      const expected = createHash('sha256').update(bytes).digest('hex');
      const results = await Promise.all(Array.from({ length: 20 }, () => uploadForm(server.graphqlUrl, bytes)));
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(new Set(results.map((r) => r.body.data?.uploadArtifact.id))).toEqual(new Set([expected]));
    }
  });
});

describe('GraphQL probes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ modelsDir: models.dir });
    for (let i = 0; i < 200 && (await fetch(`${server.url}/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('request(id) for an unknown id is NOT_FOUND', async () => {
    const result = await postGraphql(server.graphqlUrl, { query: '{ request(id: "does-not-exist") { id } }' });
    expect(firstCode(result)).toBe('NOT_FOUND');
    expect(result.body?.data?.request).toBeNull();
  });

  it('a body over yoga\'s 25,000,000-byte cap but under MAX_BODY_BYTES is served', async () => {
    const result = await postGraphql(server.graphqlUrl, { query: '{ models { name } }', variables: { pad: 'x'.repeat(26_000_000) } });
    expect(result.status).toBe(200);
    expect(result.body?.errors).toBeUndefined();
  });

  it('the same node(id) selected twice answers both', async () => {
    const made = await postGraphql(server.graphqlUrl, { query: 'mutation { generateText(input: { prompt: "a", maxTokens: 2 }) { request { id } } }' });
    const id = (made.body?.data?.generateText as { request: { id: string } }).request.id;
    const result = await postGraphql(server.graphqlUrl, {
      query: `{ a: node(id: "${id}") { id ... on InferenceRequest { status } } b: node(id: "${id}") { id ... on InferenceRequest { model } } }`,
    });
    expect(result.body?.errors).toBeUndefined();
    expect((result.body?.data?.a as { id: string }).id).toBe(id);
    expect((result.body?.data?.b as { id: string }).id).toBe(id);
  });

  it('a graphql-ws subscribe with a syntax error fails that operation only', async () => {
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const tokens: string[] = [];
      let finishLong!: () => void;
      const longDone = new Promise<void>((resolve) => (finishLong = resolve));
      let longError: unknown;
      // A long generation on the socket, which must keep streaming past the bad operation.
      const stop = client.subscribe<{ generate: { __typename: string } }>(
        { query: 'subscription { generate(input: { prompt: "a", maxTokens: 400 }) { __typename } }' },
        {
          next: (value) => tokens.push(value.data!.generate.__typename),
          error: (error) => {
            longError = error;
            finishLong();
          },
          complete: finishLong,
        },
      );
      while (tokens.length < 2) await new Promise((r) => setTimeout(r, 10));
      const badError = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription { generate(' }, { next: () => undefined, error: resolve, complete: () => resolve(null) });
      });
      expect(Array.isArray(badError)).toBe(true);
      expect(String((badError as { message: string }[])[0].message)).toMatch(/Syntax Error/);
      const before = tokens.length;
      await longDone;
      stop();
      expect(longError).toBeUndefined();
      expect(tokens.length).toBeGreaterThan(before);
      expect(tokens.at(-1)).toBe('GenerationCompleted');
    } finally {
      await client.dispose();
    }
  });
});

describe('model files and outputs', () => {
  it('a file rewritten in place with its size and mtime put back is hashed again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-checksum-'));
    try {
      const file = path.join(dir, 'model.onnx');
      // Whole seconds, so putting the mtime back is exact.
      const when = 1_700_000_000;
      writeFileSync(file, 'good weights');
      utimesSync(file, when, when);
      const good = createHash('sha256').update('good weights').digest('hex');
      const first = new ChecksumCache(dir);
      await first.verify(file, good, 'model');
      await first.save();
      const before = statSync(file);
      writeFileSync(file, 'evil weights');
      utimesSync(file, when, when);
      expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
      expect(statSync(file).size).toBe(before.size);
      expect(readFileSync(file, 'utf8')).toBe('evil weights');
      await expect(new ChecksumCache(dir).verify(file, good, 'model')).rejects.toBeInstanceOf(ChecksumMismatchError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('NaN scores or embeddings are INFERENCE_FAILED, not a result', () => {
    for (const run of [() => ranked(['cat', 'dog'], [Number.NaN, 0.5]), () => l2Normalize(new Float32Array([1, Number.NaN]))]) {
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TesseraError);
      expect((caught as TesseraError).code).toBe('INFERENCE_FAILED');
    }
  });
});
