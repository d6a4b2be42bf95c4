/**
 * Keys, scopes and tenancy as clients meet them: a real server with AUTH=required, two
 * infer keys, a read key and an admin, over HTTP, SSE and graphql-ws. Someone else's id
 * must read exactly like an id that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeSse, subscribeWs, wsClient } from './support/client.js';
import {
  CancelRequestDocument,
  GenerateDocument,
  GenerateTextDocument,
  LoadModelDocument,
  ModelsDocument,
  NodeByIdDocument,
  RequestByIdDocument,
  RequestEventsDocument,
  RequestHistoryDocument,
  UnloadModelDocument,
  UploadArtifactDocument,
} from './generated/graphql.js';

let models: TestModels;
let server: TestServer;
const keys: Record<'alice' | 'bob' | 'reader' | 'root' | 'gone', string> = { alice: '', bob: '', reader: '', root: '', gone: '' };
const GARBAGE = 'tsk_' + 'x'.repeat(43);
const MISSING_REQUEST = '00000000-0000-7000-8000-000000000000';
const MISSING_ARTIFACT = 'f'.repeat(64);

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const as = (who: keyof typeof keys) => ({ headers: bearer(keys[who]) });
const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;
/** An error as the client sees it, with the id it names made generic, so two answers compare equal. */
const shapeOf = (body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }, id: string) =>
  JSON.parse(JSON.stringify(body).replaceAll(id, '<id>'));

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 512 } });
  server = await startTestServer({ modelsDir: models.dir, env: { AUTH: 'required' } });
  const store = server.app.services.keys;
  for (const [name, scopes] of [['alice', ['infer']], ['bob', ['infer']], ['reader', ['read']], ['root', ['admin']], ['gone', ['infer']]] as const) {
    keys[name] = (await store.create(name, [...scopes])).key;
  }
  await store.revoke('gone');
});

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('first start', () => {
  it('made one admin key because none existed, and stored only its hash', async () => {
    const listed = await server.app.services.keys.list();
    const first = listed.find((key) => key.name === 'admin');
    expect(first?.scopes).toEqual(['admin']);
    const rows = await server.app.services.db.prisma.apiKey.findMany();
    for (const key of Object.values(keys)) expect(JSON.stringify(rows)).not.toContain(key);
  });
});

describe('authentication', () => {
  const presented: [string, Record<string, string>][] = [
    ['no key', {}],
    ['a garbage key', bearer(GARBAGE)],
    ['a malformed header', { authorization: 'Basic abc' }],
    ['a revoked key', bearer('')],
  ];
  const headersFor = (headers: Record<string, string>) => (headers.authorization === 'Bearer ' ? bearer(keys.gone) : headers);

  it.each(presented)('HTTP with %s is 401 UNAUTHENTICATED', async (_what, headers) => {
    const { status, body } = await gql(server.graphqlUrl, ModelsDocument, {}, { headers: headersFor(headers) });
    expect(status).toBe(401);
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
  });

  it.each(presented)('SSE with %s is 401 UNAUTHENTICATED', async (_what, headers) => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headersFor(headers) },
      body: JSON.stringify({ query: 'subscription { generate(input: { prompt: "hi", maxTokens: 2 }) { __typename } }' }),
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('UNAUTHENTICATED');
  });

  it.each(presented)('graphql-ws with %s is closed with 4401', async (_what, headers) => {
    const client = wsClient(server.wsUrl, headersFor(headers));
    try {
      const closed = await (async () => {
        try {
          for await (const _ of subscribeWs(client, ModelsDocument, {})) return 'answered';
        } catch (error) {
          return error as { code?: number; reason?: string };
        }
        return 'completed';
      })();
      expect(closed).toMatchObject({ code: 4401 });
      expect((closed as { reason: string }).reason).toMatch(/^UNAUTHENTICATED/);
    } finally {
      await client.dispose();
    }
  });

  it('a key revoked while its graphql-ws connection is open starts no further operation there', async () => {
    const { key } = await server.app.services.keys.create('short-lived', ['read']);
    let opened = 0;
    // Kept open between operations, so the second one runs on the connection the key opened.
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazyCloseTimeout: 60_000,
      connectionParams: bearer(key),
      on: { connected: () => opened++ },
    });
    const once = async () => {
      try {
        for await (const result of subscribeWs(client, ModelsDocument, {})) return result;
      } catch (errors) {
        return { errors } as never;
      }
    };
    try {
      expect((await once())?.data?.models.length).toBeGreaterThan(0);
      await server.app.services.keys.revoke('short-lived');
      const after = (await once()) as unknown as { errors: { extensions?: { code?: string } }[] };
      expect(after.errors[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(opened).toBe(1);
    } finally {
      await client.dispose();
    }
  });

  it('health checks and the GraphiQL page open without a key (the page takes one in its headers)', async () => {
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    const page = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('GET /artifacts/:id without a valid key is 401', async () => {
    for (const headers of [{}, bearer(GARBAGE), bearer(keys.gone)]) {
      const response = await fetch(`${server.url}/artifacts/${MISSING_ARTIFACT}`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('a valid key is served over all three transports', async () => {
    const http = await gql(server.graphqlUrl, ModelsDocument, {}, as('reader'));
    expect(http.status).toBe(200);
    expect(http.body.data?.models.map((m) => m.name)).toContain('tiny-lm');

    const sse: string[] = [];
    for await (const event of subscribeSse(server.graphqlUrl, GenerateDocument, { input: { prompt: 'sse', maxTokens: 3 } }, undefined, bearer(keys.alice))) {
      sse.push(event.data!.generate.__typename);
    }
    expect(sse.at(-1)).toBe('GenerationCompleted');

    const client = wsClient(server.wsUrl, bearer(keys.alice));
    try {
      const ws: string[] = [];
      for await (const event of subscribeWs(client, GenerateDocument, { input: { prompt: 'ws', maxTokens: 3 } })) ws.push(event.data!.generate.__typename);
      expect(ws.at(-1)).toBe('GenerationCompleted');
    } finally {
      await client.dispose();
    }
  });
});

describe('scopes', () => {
  it('a read key cannot run a task (403 FORBIDDEN) but reads its history', async () => {
    const refused = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'no', maxTokens: 2 } }, as('reader'));
    expect(refused.status).toBe(403);
    expect(codeOf(refused.body)).toBe('FORBIDDEN');
    const upload = await gql(server.graphqlUrl, UploadArtifactDocument, { file: { base64: 'aGk=' } }, as('reader'));
    expect(codeOf(upload.body)).toBe('FORBIDDEN');
    const history = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 5 }, as('reader'));
    expect(history.status).toBe(200);
    expect(history.body.data?.requests.edges).toEqual([]);
  });

  it('a read key cannot subscribe to generation over SSE or graphql-ws', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(keys.reader) },
      body: JSON.stringify({ query: 'subscription { generate(input: { prompt: "hi", maxTokens: 2 }) { __typename } }' }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('FORBIDDEN');
    const client = wsClient(server.wsUrl, bearer(keys.reader));
    try {
      const results = [];
      for await (const result of subscribeWs(client, GenerateDocument, { input: { prompt: 'ws', maxTokens: 2 } })) results.push(result);
      expect(codeOf(results[0] as never)).toBe('FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });

  it('an infer key cannot load or unload models; an admin can', async () => {
    const adminOnly: TypedDocumentNode<unknown, { name: string }>[] = [LoadModelDocument, UnloadModelDocument];
    for (const document of adminOnly) {
      const refused = await gql(server.graphqlUrl, document, { name: 'tiny-lm' }, as('alice'));
      expect(refused.status).toBe(403);
      expect(codeOf(refused.body)).toBe('FORBIDDEN');
    }
    const unloaded = await gql(server.graphqlUrl, UnloadModelDocument, { name: 'tiny-lm' }, as('root'));
    expect(unloaded.body.data?.unloadModel.name).toBe('tiny-lm');
    const loaded = await gql(server.graphqlUrl, LoadModelDocument, { name: 'tiny-lm' }, as('root'));
    expect(loaded.body.data?.loadModel.status).toBe('READY');
  });

  it('a field the key may not use refuses the whole operation, even behind a fragment', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(keys.alice) },
      body: JSON.stringify({ query: 'mutation { ...M } fragment M on Mutation { unloadModel(name: "tiny-lm") { name } }' }),
    });
    expect(response.status).toBe(403);
  });
});

describe('tenancy', () => {
  let aliceRequest: string;
  let aliceArtifact: string;

  beforeAll(async () => {
    const made = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'alice secret hunter2', maxTokens: 3 } }, as('alice'));
    aliceRequest = made.body.data!.generateText.request.id;
    const uploaded = await gql(server.graphqlUrl, UploadArtifactDocument, { file: { base64: Buffer.from('alice only bytes').toString('base64') } }, as('alice'));
    aliceArtifact = uploaded.body.data!.uploadArtifact.id;
  });

  it('the owner and an admin see the request; another key sees what it would for a missing id', async () => {
    for (const who of ['alice', 'root'] as const) {
      const { body } = await gql(server.graphqlUrl, RequestByIdDocument, { id: aliceRequest }, as(who));
      expect(body.data?.request?.id).toBe(aliceRequest);
    }
    const byId: TypedDocumentNode<unknown, { id: string }>[] = [RequestByIdDocument, NodeByIdDocument, CancelRequestDocument];
    for (const document of byId) {
      const other = await gql(server.graphqlUrl, document, { id: aliceRequest }, as('bob'));
      const missing = await gql(server.graphqlUrl, document, { id: MISSING_REQUEST }, as('bob'));
      expect(other.status).toBe(missing.status);
      expect(shapeOf(other.body, aliceRequest)).toEqual(shapeOf(missing.body, MISSING_REQUEST));
    }
    const cancelled = await gql(server.graphqlUrl, CancelRequestDocument, { id: aliceRequest }, as('bob'));
    expect(codeOf(cancelled.body)).toBe('NOT_FOUND');
  });

  it('history lists only the caller’s own requests (all of them for an admin), text search included', async () => {
    const bobs = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 100, filter: { text: 'hunter2' } }, as('bob'));
    expect(bobs.body.data?.requests.edges).toEqual([]);
    expect(bobs.body.data?.requests.totalCount).toBe(0);
    const alices = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 100, filter: { text: 'hunter2' } }, as('alice'));
    expect(alices.body.data?.requests.edges.map((e) => e.node.id)).toEqual([aliceRequest]);
    const admins = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 100 }, as('root'));
    expect(admins.body.data?.requests.edges.map((e) => e.node.id)).toContain(aliceRequest);
  });

  it('requestEvents follows one’s own request and not another key’s, over SSE and graphql-ws', async () => {
    const own: string[] = [];
    for await (const event of subscribeSse(server.graphqlUrl, RequestEventsDocument, { id: aliceRequest }, undefined, bearer(keys.alice))) {
      own.push(event.data!.requestEvents.__typename);
    }
    expect(own.at(-1)).toBe('GenerationCompleted');

    const collect = async (id: string) => {
      const out = [];
      for await (const event of subscribeSse(server.graphqlUrl, RequestEventsDocument, { id }, undefined, bearer(keys.bob))) out.push(event);
      return out;
    };
    expect(shapeOf({ data: await collect(aliceRequest) }, aliceRequest)).toEqual(shapeOf({ data: await collect(MISSING_REQUEST) }, MISSING_REQUEST));

    const client = wsClient(server.wsUrl, bearer(keys.bob));
    try {
      const over = async (id: string) => {
        const out: unknown[] = [];
        try {
          for await (const event of subscribeWs(client, RequestEventsDocument, { id })) out.push(event);
        } catch (errors) {
          // graphql-ws rejects with the `error` message's GraphQL errors.
          out.push({ errors });
        }
        return out;
      };
      const other = await over(aliceRequest);
      expect(codeOf(other[0] as never)).toBe('NOT_FOUND');
      expect(shapeOf({ data: other }, aliceRequest)).toEqual(shapeOf({ data: await over(MISSING_REQUEST) }, MISSING_REQUEST));
    } finally {
      await client.dispose();
    }
  });

  it('an artifact is served to its uploader and an admin; to another key it is missing until that key stores the same bytes', async () => {
    const get = (who: keyof typeof keys, id: string) => fetch(`${server.url}/artifacts/${id}`, as(who));
    expect((await get('alice', aliceArtifact)).status).toBe(200);
    expect((await get('root', aliceArtifact)).status).toBe(200);
    const other = await get('bob', aliceArtifact);
    const missing = await get('bob', MISSING_ARTIFACT);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await other.text()).replace(aliceArtifact, '<id>')).toBe((await missing.text()).replace(MISSING_ARTIFACT, '<id>'));

    const byNode = await gql(server.graphqlUrl, NodeByIdDocument, { id: aliceArtifact }, as('bob'));
    expect(byNode.body.data?.node).toBeNull();
    const reuse = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', maxTokens: 1 } }, as('bob'));
    expect(reuse.status).toBe(200);

    const same = await gql(server.graphqlUrl, UploadArtifactDocument, { file: { base64: Buffer.from('alice only bytes').toString('base64') } }, as('bob'));
    expect(same.body.data?.uploadArtifact.id).toBe(aliceArtifact);
    expect((await get('bob', aliceArtifact)).status).toBe(200);
  });
});
