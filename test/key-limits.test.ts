/**
 * Per-key budgets as clients meet them: RATE_LIMITED with HTTP 429, Retry-After and
 * extensions.retryAfter; one key's budget never touches another's; and with REDIS_URL two
 * servers (on one PostgreSQL database) share each key's budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { gql } from './support/client.js';
import { GenerateTextDocument, ModelsDocument, RequestByIdDocument, RequestHistoryDocument } from './generated/graphql.js';
import { loadConfig } from '../src/config.js';
import { createApp, type App } from '../src/server/app.js';
import { createLogger } from '../src/logger.js';

const LIMIT = 4;
let models: TestModels;

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
const minute = () => Math.floor(Date.now() / 60_000);

/**
 * Sends until the first 429 and returns how many were served before it. Windows are aligned
 * to the minute, so a run that straddles a minute boundary is repeated once.
 */
async function servedBeforeLimited(send: (i: number) => Promise<Response | { status: number }>, max: number): Promise<{ served: number; last: Response | { status: number } }> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const start = minute();
    let served = 0;
    let last: Response | { status: number } = { status: 0 };
    for (let i = 0; i < max; i++) {
      last = await send(i);
      if (last.status === 429) break;
      served++;
    }
    if (minute() === start) return { served, last };
  }
  throw new Error('two runs straddled a minute boundary');
}

const post = (url: string, key: string, query: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 256 } });
});

afterAll(() => models?.cleanup());

describe('in one server (memory counters)', () => {
  let server: TestServer;
  const keys = { a: '', b: '' };

  beforeAll(async () => {
    server = await startTestServer({ modelsDir: models.dir, env: { AUTH: 'required', RATE_LIMIT_PER_MINUTE: String(LIMIT), TOKENS_PER_MINUTE: '50' } });
    const a = await server.app.services.keys.create('a', ['infer']);
    keys.a = a.key;
    keys.b = (await server.app.services.keys.create('b', ['infer'])).key;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses a key past its requests per minute with 429, Retry-After and extensions.retryAfter; another key is served', async () => {
    const { served, last } = await servedBeforeLimited(() => post(server.graphqlUrl, keys.a, '{ __typename }'), LIMIT * 3);
    expect(served).toBe(LIMIT);
    const response = last as Response;
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await response.json()) as { errors: { extensions: { code: string; retryAfter: number } }[] };
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].extensions.retryAfter).toBe(retryAfter);

    const sse = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${keys.a}` },
      body: JSON.stringify({ query: 'subscription { generate(input: { prompt: "x", maxTokens: 1 }) { __typename } }' }),
    });
    expect(sse.status).toBe(429);
    expect(sse.headers.get('retry-after')).not.toBeNull();

    const other = await gql(server.graphqlUrl, ModelsDocument, {}, bearer(keys.b));
    expect(other.status).toBe(200);
  });

  it('charges the tokens a key generates through the API to its quota, whatever the transport', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const fresh = await server.app.services.keys.create(`spender-${attempt}`, ['infer']);
      const start = minute();
      let spent = 0;
      let refusedAfter = -1;
      for (let i = 0; i < 8; i++) {
        const answer = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', maxTokens: 20, temperature: 1, seed: i } }, bearer(fresh.key));
        if (answer.status === 429) {
          refusedAfter = spent;
          break;
        }
        expect(answer.status).toBe(200);
        spent += answer.body.data!.generateText.usage.completionTokens;
      }
      if (minute() !== start) continue;
      // Refused only once what it generated reached the quota of 50, never before.
      expect(refusedAfter).toBeGreaterThanOrEqual(50);
      expect(refusedAfter).toBeLessThan(50 + 20);
      return;
    }
    throw new Error('two runs straddled a minute boundary');
  });

  it('refuses generation once the key has spent its tokens for the minute, and nothing else', async () => {
    const fresh = await server.app.services.keys.create('tokens', ['infer']);
    for (let attempt = 0; attempt < 2; attempt++) {
      const start = minute();
      const within = await server.app.services.limits.consumeTokens(fresh.info.id, 49);
      const allowed = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', maxTokens: 1 } }, bearer(fresh.key));
      const over = await server.app.services.limits.consumeTokens(fresh.info.id, 1);
      const refused = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', maxTokens: 1 } }, bearer(fresh.key));
      const history = await gql(server.graphqlUrl, ModelsDocument, {}, bearer(fresh.key));
      if (minute() !== start) continue;
      expect(within).toBe(true);
      expect(allowed.status).toBe(200);
      expect(over).toBe(false);
      expect(refused.status).toBe(429);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(history.status).toBe(200);
      return;
    }
    throw new Error('two runs straddled a minute boundary');
  });
});

describe('two servers on PostgreSQL sharing Redis', () => {
  let database: TestDatabase;
  const apps: App[] = [];
  const urls: string[] = [];
  const dirs: string[] = [];
  const announced: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-data-'));
      dirs.push(dataDir);
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        AUTH: 'required',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        MODELS_DIR: models.dir,
        ORT_INTRA_OP_THREADS: '1',
        LOG_LEVEL: 'silent',
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        REDIS_URL: 'redis://127.0.0.1:6379',
      });
      const app = await createApp(config, { logger: createLogger('silent'), announceAdminKey: (key) => announced.push(key) });
      apps.push(app);
      urls.push(`${await app.listen()}/graphql`);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the first server made the admin key and announced it once; the second found it', async () => {
    expect(announced).toHaveLength(1);
    const { status } = await gql(urls[1], ModelsDocument, {}, bearer(announced[0]));
    expect(status).toBe(200);
  });

  it('a key made on one server works on the other, and its budget is shared between them', async () => {
    const { key } = await apps[0].services.keys.create('shared', ['infer']);
    const { served, last } = await servedBeforeLimited((i) => post(urls[i % 2], key, '{ __typename }'), LIMIT * 3);
    expect(served).toBe(LIMIT);
    expect(last.status).toBe(429);
    expect(Number((last as Response).headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('one key cannot see another key’s request on either server (PostgreSQL history)', async () => {
    const alice = (await apps[0].services.keys.create('alice', ['infer'])).key;
    const bob = (await apps[0].services.keys.create('bob', ['infer'])).key;
    const made = await gql(urls[0], GenerateTextDocument, { input: { prompt: 'Private Prompt', maxTokens: 1 } }, bearer(alice));
    const id = made.body.data!.generateText.request.id;
    expect((await gql(urls[1], RequestByIdDocument, { id }, bearer(alice))).body.data?.request?.id).toBe(id);
    expect((await gql(urls[1], RequestByIdDocument, { id }, bearer(bob))).body.data?.request).toBeNull();
    const search = await gql(urls[1], RequestHistoryDocument, { first: 10, filter: { text: 'private prompt' } }, bearer(bob));
    expect(search.body.data?.requests.totalCount).toBe(0);
    const own = await gql(urls[1], RequestHistoryDocument, { first: 10, filter: { text: 'private prompt' } }, bearer(alice));
    expect(own.body.data?.requests.totalCount).toBe(1);
  });
});
