/**
 * Issue 11's generation fixes through the API on the fixture LM (a byte-level tokenizer,
 * so sampled tokens often end inside a multi-byte character): every generated token gets
 * its GenerationToken event, batched generations record their batch size, and a finished
 * generation replays its tokens from the history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import { GenerateDocument, RequestByIdDocument, RequestEventsDocument } from './generated/graphql.js';

let models: TestModels;
let server: TestServer;

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 512 } });
  server = await startTestServer({ modelsDir: models.dir });
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

type Event = NonNullable<Awaited<ReturnType<typeof generate>>[number]>;

async function generate(seed: number, maxTokens: number) {
  const client = wsClient(server.wsUrl);
  try {
    const events = [];
    for await (const result of subscribeWs(client, GenerateDocument, { input: { prompt: 'The quick brown fox', maxTokens, seed, temperature: 1.5 } })) {
      expect(result.errors).toBeUndefined();
      events.push(result.data!.generate);
    }
    return events;
  } finally {
    await client.dispose();
  }
}

const tokensOf = (events: Event[]) => events.flatMap((e) => (e.__typename === 'GenerationToken' ? [e] : []));

describe('generation tokens, batch size and replay', () => {
  it('streams one event per generated token, indexes 0..n-1, even when a character spans tokens', async () => {
    const maxTokens = 48;
    // Several concurrent requests: they share batches, and at least one of them splits a character.
    const runs = await Promise.all([1, 2, 3, 4].map((seed) => generate(seed, maxTokens)));
    let pending = 0;
    for (const events of runs) {
      const completed = events.at(-1)!;
      expect(completed.__typename).toBe('GenerationCompleted');
      if (completed.__typename !== 'GenerationCompleted') return;
      expect(completed.finishReason).toBe('LENGTH');
      const tokens = tokensOf(events);
      expect(tokens).toHaveLength(completed.usage.completionTokens);
      expect(tokens.map((t) => (t.__typename === 'GenerationToken' ? t.index : -1))).toEqual([...Array(maxTokens).keys()]);
      expect(tokens.map((t) => (t.__typename === 'GenerationToken' ? t.text : '')).join('')).toBe(completed.text);
      pending += tokens.filter((t) => t.__typename === 'GenerationToken' && t.text === '').length;
    }
    // Without this the test would not exercise the fix.
    expect(pending).toBeGreaterThan(0);

    const rows = await Promise.all(
      runs.map(async (events) => {
        const completed = events.at(-1)!;
        const id = completed.__typename === 'GenerationCompleted' ? completed.requestId : '';
        return (await gql(server.graphqlUrl, RequestByIdDocument, { id })).body.data!.request!;
      }),
    );
    for (const row of rows) expect(row.batchSize).toBeGreaterThanOrEqual(1);
    expect(Math.max(...rows.map((r) => r.batchSize!))).toBeGreaterThan(1);

    // A finished generation replays its tokens, not only its text.
    const first = runs[0];
    const client = wsClient(server.wsUrl);
    try {
      const replay = [];
      for await (const result of subscribeWs(client, RequestEventsDocument, { id: rows[0].id })) replay.push(result.data!.requestEvents);
      const live = tokensOf(first).map((t) => (t.__typename === 'GenerationToken' ? [t.index, t.tokenId, t.text] : []));
      const replayed = replay.flatMap((e) => (e.__typename === 'GenerationToken' ? [[e.index, e.tokenId, e.text]] : []));
      expect(replayed).toEqual(live);
      expect(replay.at(-1)).toMatchObject({ __typename: 'GenerationCompleted', finishReason: 'LENGTH' });
    } finally {
      await client.dispose();
    }
  });
});
