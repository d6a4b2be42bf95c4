/**
 * Two real server processes (the server entry point, as child processes) on one fresh
 * PostgreSQL database and the machine's Redis behave as one service: they start together on
 * the empty database and apply each migration once; a request running on A is followed and
 * cancelled from B; and when A is killed with SIGKILL while both run requests, A's rows turn
 * FAILED (INTERRUPTED) after the heartbeat timeout while B's finish untouched.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { startServerCommand, untilReady, type StartedServer } from './support/server-process.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import {
  AddToCollectionDocument,
  CancelRequestDocument,
  CreateCollectionDocument,
  GenerateDocument,
  RequestByIdDocument,
  RequestEventsDocument,
  SearchCollectionDocument,
} from './generated/graphql.js';
import { parsePrometheusText, valueOf } from './support/prometheus-text.js';
import { readMigrations } from '../src/db/migrate.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const INSTANCE_TIMEOUT_MS = 3000;

let models: TestModels;
let database: TestDatabase;
let dataDir: string;
let a: StartedServer;
let b: StartedServer;

const graphql = (server: StartedServer) => `${server.url}/graphql`;
const ws = (server: StartedServer) => `${server.url.replace(/^http/, 'ws')}/graphql`;

function startReplica(): Promise<StartedServer> {
  return startServerCommand(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    DATABASE_URL: database.url,
    REDIS_URL,
    DATA_DIR: dataDir,
    MODELS_DIR: models.dir,
    INSTANCE_TIMEOUT_MS: String(INSTANCE_TIMEOUT_MS),
    LOG_LEVEL: 'info',
  });
}

type GenerateEvent = { __typename: string; requestId?: string; index?: number; text?: string; finishReason?: string; error?: { code: string } | null };

/** A generation on `server` over graphql-ws; resolves `started` with its id once `after` tokens have come. */
function generateOn(server: StartedServer, maxTokens: number, after = 2) {
  const client = wsClient(ws(server));
  const events: GenerateEvent[] = [];
  let started!: (id: string) => void;
  const requestId = new Promise<string>((resolve) => (started = resolve));
  const done = (async () => {
    let id = '';
    try {
      for await (const result of subscribeWs(client, GenerateDocument, { input: { prompt: 'a long story', maxTokens, seed: 7 } })) {
        const event = result.data!.generate as GenerateEvent;
        events.push(event);
        if (event.__typename === 'GenerationStarted') id = event.requestId!;
        if (event.__typename === 'GenerationToken' && event.index === after) started(id);
      }
    } catch {
      // The connection drops when its process is killed.
    } finally {
      await client.dispose();
    }
  })();
  return { requestId, events, done };
}

async function rowOn(server: StartedServer, id: string) {
  return (await gql(graphql(server), RequestByIdDocument, { id })).body.data!.request!;
}

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 2048 } });
  cpSync(path.join('models', 'tessera-clip'), path.join(models.dir, 'tessera-clip'), { recursive: true, filter: (src) => !src.includes('recipe') });
  database = await createTestDatabase('postgres');
  dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-replicas-'));
  // Both at once on the empty database: the migrations race under the advisory lock.
  [a, b] = await Promise.all([startReplica(), startReplica()]);
  await Promise.all([untilReady(a), untilReady(b)]);
}, 180_000);

afterAll(async () => {
  for (const server of [a, b]) {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }
  await database?.drop();
  models?.cleanup();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('replicas on one PostgreSQL and Redis', () => {
  it('started together on an empty database, they applied each migration exactly once and are both ready', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.map((r) => r.migration_name)).toEqual(readMigrations('postgres').map((m) => m.name));
      const instances = await client.query<{ id: string }>('SELECT id FROM "Instance"');
      expect(instances.rows).toHaveLength(2);
    } finally {
      await client.end();
    }
    for (const server of [a, b]) expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
  });

  it('requestEvents on B follows a generation running on A, token for token', async () => {
    const onA = generateOn(a, 120);
    const id = await onA.requestId;
    const follower = wsClient(ws(b));
    const followed: GenerateEvent[] = [];
    try {
      for await (const result of subscribeWs(follower, RequestEventsDocument, { id })) {
        expect(result.errors).toBeUndefined();
        followed.push(result.data!.requestEvents as GenerateEvent);
      }
    } finally {
      await follower.dispose();
    }
    await onA.done;
    const completedOnA = onA.events.at(-1)!;
    expect(completedOnA.__typename).toBe('GenerationCompleted');
    // B saw the whole log from the start, then the rest as A produced it, and the same ending.
    expect(followed[0]!.__typename).toBe('GenerationStarted');
    const tokens = followed.filter((e) => e.__typename === 'GenerationToken');
    expect(tokens.map((t) => t.index)).toEqual([...Array(120).keys()]);
    expect(tokens.map((t) => t.text).join('')).toBe(completedOnA.text);
    expect(followed.at(-1)).toMatchObject({ __typename: 'GenerationCompleted', text: completedOnA.text });
    expect((await rowOn(b, id)).status).toBe('COMPLETED');
  });

  it('cancelRequest on B stops a generation running on A', async () => {
    const onA = generateOn(a, 2000);
    const id = await onA.requestId;
    const cancelled = await gql(graphql(b), CancelRequestDocument, { id });
    expect(cancelled.body.errors).toBeUndefined();
    expect(cancelled.body.data!.cancelRequest.status).toBe('CANCELLED');
    await onA.done;
    const last = onA.events.at(-1)!;
    expect(last).toMatchObject({ __typename: 'GenerationCompleted', finishReason: 'CANCELLED' });
    const row = await rowOn(a, id);
    expect(row.status).toBe('CANCELLED');
    // The work itself stopped on A: what it generated is what A's client was sent, far short of the request.
    const streamed = onA.events.filter((e) => e.__typename === 'GenerationToken').length;
    expect(row.completionTokens).toBe(streamed);
    expect(streamed).toBeLessThan(2000);
  });

  it('a collection filled on one replica is searchable on the other, both ways', async () => {
    const texts = (body: { data?: { search: { items: { text?: string | null }[] } } | null }) => body.data!.search.items.map((item) => item.text);
    expect((await gql(graphql(a), CreateCollectionDocument, { input: { name: 'shared' } })).body.errors).toBeUndefined();
    const added = await gql(graphql(a), AddToCollectionDocument, { input: { collection: 'shared', items: [{ text: 'a red circle' }, { text: 'a blue square' }] } });
    expect(added.body.errors).toBeUndefined();
    // B builds its index from the rows A wrote.
    const onB = await gql(graphql(b), SearchCollectionDocument, { input: { collection: 'shared', query: { text: 'a red circle' }, k: 5 } });
    expect(onB.body.errors).toBeUndefined();
    expect(texts(onB.body).sort()).toEqual(['a blue square', 'a red circle']);
    // A already holds an index; an item added on B makes it reload.
    await gql(graphql(a), SearchCollectionDocument, { input: { collection: 'shared', query: { text: 'a red circle' }, k: 5 } });
    expect((await gql(graphql(b), AddToCollectionDocument, { input: { collection: 'shared', items: [{ text: 'a green star' }] } })).body.errors).toBeUndefined();
    const onA = await gql(graphql(a), SearchCollectionDocument, { input: { collection: 'shared', query: { text: 'a green star' }, k: 5 } });
    expect(texts(onA.body)).toHaveLength(3);
    expect(texts(onA.body)[0]).toBe('a green star');
  });

  it('a replica killed with SIGKILL: its rows turn INTERRUPTED after the heartbeat timeout, the survivor’s finish', async () => {
    const onA = generateOn(a, 2000);
    const onB = generateOn(b, 400);
    const [idA, idB] = await Promise.all([onA.requestId, onB.requestId]);
    // Someone on B follows A's request when A dies.
    const follower = wsClient(ws(b));
    const followed: GenerateEvent[] = [];
    const following = (async () => {
      for await (const result of subscribeWs(follower, RequestEventsDocument, { id: idA })) followed.push(result.data!.requestEvents as GenerateEvent);
    })();
    while (followed.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    a.child.kill('SIGKILL');
    await a.exited;

    await onB.done;
    expect(onB.events.at(-1)).toMatchObject({ __typename: 'GenerationCompleted', error: null });
    // B's sweep runs a few times per timeout; wait for it to see A's heartbeat stop.
    let rowA = await rowOn(b, idA);
    for (let tries = 0; rowA.status === 'RUNNING' && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rowA = await rowOn(b, idA);
    }
    expect([rowA.status, rowA.error?.code]).toEqual(['FAILED', 'INTERRUPTED']);
    // The follower is told how it ended, from the row, instead of hanging or stopping without a word.
    await following;
    await follower.dispose();
    expect(followed.at(-1)).toMatchObject({ __typename: 'GenerationCompleted', finishReason: 'ERROR' });
    const metrics = parsePrometheusText(await (await fetch(`${b.url}/metrics`)).text());
    expect(valueOf(metrics, 'tessera_interrupted_requests_total')).toBe(1);
    const rowB = await rowOn(b, idB);
    expect([rowB.status, rowB.error]).toEqual(['COMPLETED', null]);
    expect(rowB.completionTokens).toBe(400);
  });
});
