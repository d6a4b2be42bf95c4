/**
 * History through the API as clients meet it, on a real server with AUTH=required (SQLite and
 * PostgreSQL): search and bounded totalCount over GraphQL, deleteRequest(s) with their error
 * codes, the NDJSON/CSV export over HTTP (only the caller's rows, exactly the filtered ones),
 * and a generation stream resumed over graphql-ws with nothing lost and nothing repeated.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import {
  DeleteRequestDocument,
  DeleteRequestsDocument,
  GenerateSequencedDocument,
  HistoryCountDocument,
  HistorySearchDocument,
  ResumeRequestEventsDocument,
} from './generated/graphql.js';
import type { RequestStore } from '../src/db/request-store.js';
import type { DatabaseKindUnderTest } from './support/databases.js';

describe.each<DatabaseKindUnderTest>(['sqlite', 'postgres'])('history API on %s', (database) => {
  let models: TestModels;
  let server: TestServer;
  const keys = { alice: { key: '', id: '' }, bob: { key: '', id: '' }, reader: { key: '', id: '' } };
  const as = (who: keyof typeof keys) => ({ headers: { authorization: `Bearer ${keys[who].key}` } });
  let store: RequestStore;

  beforeAll(async () => {
    models = await createTestModels({ lm: { maxPositions: 512 } });
    server = await startTestServer({ modelsDir: models.dir, database, env: { AUTH: 'required' } });
    for (const [name, scopes] of [['alice', ['infer']], ['bob', ['infer']], ['reader', ['read']]] as const) {
      const made = await server.app.services.keys.create(name, [...scopes]);
      keys[name] = { key: made.key, id: made.info.id };
    }
    store = server.app.services.requests;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    models?.cleanup();
  });

  /** A finished request owned by a key, written through the server's own store. */
  async function finished(owner: keyof typeof keys, task: string, inputText: string, outputText: string | null = null) {
    const row = await store.create({ task, model: 'm', parameters: {}, inputModalities: ['TEXT'], inputText, ownerKeyId: keys[owner].id });
    return store.complete(row.id, { outputText });
  }

  it('searches inputs and outputs, Chinese included, counts when asked, and only the caller’s', async () => {
    await finished('alice', 'OCR', 'receipt', 'Total: 12 dragon fruits');
    await finished('alice', 'TEXT_GENERATION', '写一首关于月亮的诗', '床前明月光');
    await finished('bob', 'OCR', 'bob receipt', 'one dragon');
    const search = async (text: string) =>
      (await gql(server.graphqlUrl, HistorySearchDocument, { filter: { text } }, as('alice'))).body.data!.requests.edges.map((e) => e.node.inputText);
    expect(await search('DRAGON')).toEqual(['receipt']);
    expect(await search('关于月亮')).toEqual(['写一首关于月亮的诗']);
    expect(await search('明月')).toEqual(['写一首关于月亮的诗']);
    const counted = await gql(server.graphqlUrl, HistoryCountDocument, { filter: { text: 'dragon' } }, as('alice'));
    expect(counted.body.data!.requests).toEqual({ totalCount: 1, totalCountIsEstimate: false });
  });

  it('deletes one request or a filtered set, never another key’s or a running one, with stable codes', async () => {
    const mine = await finished('alice', 'OCR', 'to delete', 'gone soon');
    const theirs = await finished('bob', 'OCR', 'bob keeps this', null);
    const running = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'], ownerKeyId: keys.alice.id });
    await store.markRunning(running.id);

    const other = await gql(server.graphqlUrl, DeleteRequestDocument, { id: theirs.id }, as('alice'));
    expect(other.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const active = await gql(server.graphqlUrl, DeleteRequestDocument, { id: running.id }, as('alice'));
    expect(active.body.errors?.[0].extensions?.code).toBe('REQUEST_ACTIVE');
    const readOnly = await gql(server.graphqlUrl, DeleteRequestDocument, { id: mine.id }, as('reader'));
    expect(readOnly.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const deleted = await gql(server.graphqlUrl, DeleteRequestDocument, { id: mine.id }, as('alice'));
    expect(deleted.body.data!.deleteRequest).toEqual({ deletedCount: 1, artifactsRemoved: 0 });
    expect(await store.get(mine.id)).toBeNull();

    const bulk = await gql(server.graphqlUrl, DeleteRequestsDocument, { filter: { task: 'OCR' } }, as('alice'));
    expect(bulk.body.data!.deleteRequests.deletedCount).toBe(1);
    expect(await store.get(theirs.id)).not.toBeNull();
    expect((await store.get(running.id))?.status).toBe('RUNNING');
    await store.complete(running.id, {});
  });

  it('exports exactly the filtered rows of the caller, as NDJSON and as CSV', async () => {
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await finished('alice', i % 2 ? 'VAD' : 'TEXT_GENERATION', `export row ${i}, "quoted"\nsecond line`, `out ${i}`));
    await finished('bob', 'VAD', 'export row of bob', null);
    const exportOf = (query: string, who: keyof typeof keys = 'alice') => fetch(`${server.url}/history/export?${query}`, as(who));

    const ndjson = await exportOf('format=ndjson&task=VAD&text=export%20row');
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const rows = (await ndjson.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((r) => r.id)).toEqual(made.filter((r) => r.task === 'VAD').map((r) => r.id).reverse());
    expect(rows[0]).toMatchObject({ task: 'VAD', status: 'COMPLETED', inputText: 'export row 5, "quoted"\nsecond line', outputText: 'out 5' });

    const csv = await exportOf('format=csv&text=export%20row');
    const text = await csv.text();
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="tessera-history-.*\.csv"/);
    expect(text.startsWith('id,task,model,status,')).toBe(true);
    // Seven records after the header, each field with a quote or line break quoted.
    expect(text.match(/"export row \d, ""quoted""\nsecond line"/g)).toHaveLength(7);
    expect(text).not.toContain('export row of bob');

    expect((await exportOf('format=xml')).status).toBe(400);
    const badDate = await exportOf('since=yesterday');
    expect(badDate.status).toBe(400);
    expect((await badDate.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await fetch(`${server.url}/history/export`)).status).toBe(401);
  });

  it('resumes a generation stream after the last event seen, live and once finished, with nothing repeated', async () => {
    const subscribe = async <T,>(client: Client, run: (client: Client) => AsyncIterable<T>, stopAfter = Infinity) => {
      const events: T[] = [];
      for await (const event of run(client)) {
        events.push(event);
        if (events.length >= stopAfter) break;
      }
      return events;
    };
    const owner = wsClient(server.wsUrl, { authorization: `Bearer ${keys.alice.key}` });
    const watcher = wsClient(server.wsUrl, { authorization: `Bearer ${keys.alice.key}` });
    try {
      const all: { sequence?: number | null; __typename: string; requestId?: string }[] = [];
      let requestId = '';
      let firstPart: typeof all = [];
      let resumed: typeof all = [];
      for await (const result of subscribeWs(owner, GenerateSequencedDocument, { input: { prompt: 'Once upon a time', maxTokens: 120, seed: 7 } })) {
        expect(result.errors).toBeUndefined();
        const event = result.data!.generate;
        all.push(event);
        if (event.__typename === 'GenerationStarted') {
          requestId = event.requestId;
          // A second client attaches, sees a few events and drops; it comes back with the last sequence it saw.
          firstPart = await subscribe(watcher, (c) => subscribeWs(c, ResumeRequestEventsDocument, { id: requestId }), 4).then((r) =>
            r.map((x) => x.data!.requestEvents),
          );
          const last = firstPart.at(-1)!.sequence!;
          resumed = (await subscribe(watcher, (c) => subscribeWs(c, ResumeRequestEventsDocument, { id: requestId, after: last }))).map(
            (x) => x.data!.requestEvents,
          );
        }
      }
      expect(all.map((e) => e.sequence)).toEqual([...all.keys()]);
      expect([...firstPart, ...resumed].map((e) => e.sequence)).toEqual([...all.keys()]);
      expect([...firstPart, ...resumed].map((e) => e.__typename)).toEqual(all.map((e) => e.__typename));

      // Finished: resumed from the stored row at the same index.
      const fromRow = (await subscribe(watcher, (c) => subscribeWs(c, ResumeRequestEventsDocument, { id: requestId, after: 10 }))).map(
        (x) => x.data!.requestEvents,
      );
      expect(fromRow.map((e) => e.sequence)).toEqual([...all.keys()].slice(11));
      expect(fromRow.at(-1)).toMatchObject({ __typename: 'GenerationCompleted' });
      const beyond = await subscribe(watcher, (c) => subscribeWs(c, ResumeRequestEventsDocument, { id: requestId, after: all.length - 1 }));
      expect(beyond).toEqual([]);
      const negative = await subscribe(watcher, (c) => subscribeWs(c, ResumeRequestEventsDocument, { id: requestId, after: -1 }));
      expect(negative[0].errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await Promise.all([owner.dispose(), watcher.dispose()]);
    }
  });

  it('export and deletion leave the artifact files of other requests on disk', async () => {
    const artifacts = server.app.services.artifacts;
    const file = await artifacts.put(new TextEncoder().encode(`kept-${database}`), 'image/png');
    const gone = await artifacts.put(new TextEncoder().encode(`gone-${database}`), 'image/png');
    const keeper = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'], inputArtifactIds: [file.id], ownerKeyId: keys.bob.id });
    await store.complete(keeper.id, {});
    const doomed = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'], inputArtifactIds: [file.id, gone.id], ownerKeyId: keys.bob.id });
    await store.complete(doomed.id, {});
    const result = await gql(server.graphqlUrl, DeleteRequestDocument, { id: doomed.id }, as('bob'));
    expect(result.body.data!.deleteRequest).toEqual({ deletedCount: 1, artifactsRemoved: 1 });
    expect(existsSync(artifacts.pathOf(file.id))).toBe(true);
    expect(existsSync(artifacts.pathOf(gone.id))).toBe(false);
  });
});
