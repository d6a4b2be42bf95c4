/**
 * The server as a client sees it: a real HTTP server on an ephemeral port, real graphql-ws
 * and SSE clients, a real SQLite file, the fixture LM served by the real engine.
 */
import type { GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeSse, subscribeWs, wsClient } from './support/client.js';
import {
  CancelRequestDocument,
  GenerateDocument,
  GenerateTextDocument,
  ModelsDocument,
  NodeByIdDocument,
  RequestByIdDocument,
  RequestEventsDocument,
  RequestHistoryDocument,
  UploadArtifactDocument,
  type GenerateSubscription,
  type RequestHistoryQuery,
  type RequestHistoryQueryVariables,
} from './generated/graphql.js';

type Event = GenerateSubscription['generate'];

let models: TestModels;
let server: TestServer;

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function finalStatus(id: string): Promise<string> {
  return waitFor(async () => {
    const { body } = await gql(server.graphqlUrl, RequestByIdDocument, { id });
    const status = body.data?.request?.status;
    return status && status !== 'QUEUED' && status !== 'RUNNING' ? status : undefined;
  }, `request ${id} to finish`);
}

beforeAll(async () => {
  // A long context lets "long" generations run for many steps, so cancellation lands mid-way.
  models = await createTestModels({ lm: { maxPositions: 2048 } });
  server = await startTestServer({ modelsDir: models.dir, env: { MAX_BODY_BYTES: '256kb', MAX_UPLOAD_BYTES: '64kb' } });
  await waitFor(async () => (await fetch(`${server.url}/health/ready`)).status === 200, 'readiness');
});

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('HTTP', () => {
  it('answers liveness and readiness with reasons', async () => {
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { database: true, migrations: true, models: true } });
  });

  it('lists models with status and execution provider', async () => {
    const { status, body, headers } = await gql(server.graphqlUrl, ModelsDocument, {});
    expect(status).toBe(200);
    expect(headers.get('x-request-id')).toMatch(/.+/);
    expect(body.data?.models).toContainEqual(
      expect.objectContaining({ name: 'tiny-lm', task: 'TEXT_GENERATION', status: 'READY', executionProvider: 'CPU' }),
    );
  });

  it('serves GraphiQL to a browser', async () => {
    const response = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/graphiql/i);
  });

  it('generates text with a mutation and persists it', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'hello', maxTokens: 6 } });
    const payload = body.data!.generateText;
    expect(payload.finishReason).toBe('LENGTH');
    expect(payload.usage.completionTokens).toBe(6);
    expect(payload.tokens.map((t) => t.text).join('')).toBe(payload.text);
    expect(payload.request).toMatchObject({ status: 'COMPLETED', outputText: payload.text, completionTokens: 6 });
    const node = await gql(server.graphqlUrl, NodeByIdDocument, { id: payload.request.id });
    expect(node.body.data?.node).toMatchObject({ __typename: 'InferenceRequest', status: 'COMPLETED' });
  });
});

describe('bad input gets a coded error and the server keeps serving', () => {
  const stillServes = async () => {
    const { body } = await gql(server.graphqlUrl, ModelsDocument, {});
    expect(body.data?.models.length).toBeGreaterThan(0);
  };
  const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

  it('unknown model → MODEL_NOT_FOUND', async () => {
    const { status, body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'x', model: 'nope' } });
    expect(codeOf(body)).toBe('MODEL_NOT_FOUND');
    expect(status).toBe(404);
    await stillServes();
  });

  it('invalid sampling parameters → BAD_USER_INPUT before any request is recorded', async () => {
    const before = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1 })).body.data!.requests.totalCount;
    for (const input of [
      { prompt: 'x', temperature: -1 },
      { prompt: 'x', topP: 0 },
      { prompt: 'x', topP: 1.5 },
      { prompt: 'x', maxTokens: 0 },
      { prompt: 'x', maxTokens: 100_000 },
      {},
      { prompt: 'x', messages: [{ role: 'user' as const, content: 'y' }] },
    ]) {
      const { status, body } = await gql(server.graphqlUrl, GenerateTextDocument, { input });
      expect(codeOf(body), JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(status).toBe(400);
    }
    const after = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1 })).body.data!.requests.totalCount;
    expect(after).toBe(before);
    await stillServes();
  });

  it('a wrong variable type → BAD_USER_INPUT', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query($t: Task){ models(task: $t) { name } }', variables: { t: 'NOT_A_TASK' } }),
    });
    expect(codeOf(await response.json())).toBe('BAD_USER_INPUT');
    await stillServes();
  });

  it('a syntax error is GRAPHQL_PARSE_FAILED with its location over either transport, in either order', async () => {
    const overHttp = async (query: string) => {
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query }),
      });
      expect(response.status).toBe(400);
      return ((await response.json()) as { errors: GraphQLFormattedError[] }).errors[0];
    };
    const overWs = async (query: string) => {
      const client = wsClient(server.wsUrl);
      try {
        let caught: unknown;
        try {
          for await (const _result of client.iterate({ query })) void _result;
        } catch (error) {
          caught = error;
        }
        return (caught as GraphQLFormattedError[])[0];
      } finally {
        await client.dispose();
      }
    };
    // Each order gets its own text: the parser cache is keyed by it.
    for (const [first, second] of [
      [overWs, overHttp],
      [overHttp, overWs],
    ]) {
      const query = `{ models { name ${first === overWs ? 'wsFirst' : 'httpFirst'} `;
      const expected = { extensions: expect.objectContaining({ code: 'GRAPHQL_PARSE_FAILED' }), locations: [{ line: 1, column: query.length + 1 }] };
      expect(await first(query)).toMatchObject(expected);
      expect(await second(query)).toMatchObject(expected);
    }
    await stillServes();
  });

  it('a syntax error and an unknown field are rejected', async () => {
    const parse = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ models { name ' }),
    });
    expect(parse.status).toBe(400);
    expect(codeOf(await parse.json())).toBe('GRAPHQL_PARSE_FAILED');
    const validation = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ models { nope } }' }),
    });
    expect(codeOf(await validation.json())).toBe('GRAPHQL_VALIDATION_FAILED');
    await stillServes();
  });

  it('a malformed JSON body → 400', async () => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ models { name } ' });
    expect(response.status).toBe(400);
    expect((await response.json()).errors?.[0]?.message).toMatch(/json/i);
    await stillServes();
  });

  it('a body over MAX_BODY_BYTES → 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ models { name } }', variables: { pad: 'x'.repeat(300 * 1024) } }),
    });
    expect(response.status).toBe(413);
    expect(codeOf(await response.json())).toBe('PAYLOAD_TOO_LARGE');
    await stillServes();
  });

  it('media input: none or two sources, bad base64, too large, unknown artifact', async () => {
    const upload = (file: Record<string, string>) => gql(server.graphqlUrl, UploadArtifactDocument, { file });
    expect(codeOf((await upload({})).body)).toBe('BAD_USER_INPUT');
    expect(codeOf((await upload({ base64: 'aGk=', artifactId: 'a'.repeat(64) })).body)).toBe('BAD_USER_INPUT');
    expect(codeOf((await upload({ base64: '***not base64***' })).body)).toBe('BAD_USER_INPUT');
    const big = Buffer.alloc(100 * 1024, 7).toString('base64');
    const tooLarge = await upload({ base64: big });
    expect(codeOf(tooLarge.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(tooLarge.status).toBe(413);
    expect(codeOf((await upload({ artifactId: 'f'.repeat(64) })).body)).toBe('NOT_FOUND');
    await stillServes();
  });

  it('an unknown request id is null, and cancelling it is NOT_FOUND', async () => {
    const { body } = await gql(server.graphqlUrl, RequestByIdDocument, { id: '00000000-0000-7000-8000-000000000000' });
    expect(body.data?.request).toBeNull();
    const cancel = await gql(server.graphqlUrl, CancelRequestDocument, { id: '00000000-0000-7000-8000-000000000000' });
    expect(codeOf(cancel.body)).toBe('NOT_FOUND');
    await stillServes();
  });

  it('a bad pagination cursor → BAD_USER_INPUT', async () => {
    const { body } = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 5, after: 'garbage' });
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    await stillServes();
  });
});

describe('artifacts', () => {
  it('stores uploads content-addressed and serves them with their type', async () => {
    const bytes = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1');
    const first = (await gql(server.graphqlUrl, UploadArtifactDocument, { file: { base64: bytes.toString('base64') } })).body.data!.uploadArtifact;
    const second = (await gql(server.graphqlUrl, UploadArtifactDocument, { file: { base64: bytes.toString('base64') } })).body.data!.uploadArtifact;
    expect(second.id).toBe(first.id);
    expect(first.contentType).toBe('audio/wav');
    const served = await fetch(`${server.url}${first.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(`${server.url}/artifacts/${'0'.repeat(64)}`)).status).toBe(404);
  });
});

describe('subscriptions', () => {
  const collect = async (events: AsyncIterable<{ data?: { generate: Event } | null; errors?: unknown }>) => {
    const out: Event[] = [];
    for await (const result of events) {
      expect(result.errors).toBeUndefined();
      out.push(result.data!.generate);
    }
    return out;
  };

  const checkStream = async (events: Event[], maxTokens: number) => {
    expect(events[0]).toMatchObject({ __typename: 'GenerationStarted' });
    const tokens = events.filter((e) => e.__typename === 'GenerationToken');
    const completed = events.at(-1)!;
    expect(completed.__typename).toBe('GenerationCompleted');
    if (completed.__typename !== 'GenerationCompleted') return;
    expect(completed.finishReason).toBe('LENGTH');
    expect(completed.usage.completionTokens).toBe(maxTokens);
    expect(tokens.map((t) => (t.__typename === 'GenerationToken' ? t.text : '')).join('')).toBe(completed.text);
    expect(await finalStatus(completed.requestId)).toBe('COMPLETED');
  };

  it('streams a generation over graphql-ws', async () => {
    const client = wsClient(server.wsUrl);
    try {
      const events = await collect(subscribeWs(client, GenerateDocument, { input: { prompt: 'The cat', maxTokens: 8, logprobs: true } }));
      await checkStream(events, 8);
      const token = events.find((e) => e.__typename === 'GenerationToken');
      expect(token && token.__typename === 'GenerationToken' && token.logprob).toBeLessThanOrEqual(0);
    } finally {
      await client.dispose();
    }
  });

  it('streams a generation over SSE', async () => {
    const events = await collect(subscribeSse(server.graphqlUrl, GenerateDocument, { input: { prompt: 'The dog', maxTokens: 5 } }));
    await checkStream(events, 5);
  });

  it('reports bad subscription input as a coded error over graphql-ws', async () => {
    const client = wsClient(server.wsUrl);
    try {
      await expect(collect(subscribeWs(client, GenerateDocument, { input: { prompt: 'x', temperature: -2 } }))).rejects.toSatisfy(
        (errors: unknown) => JSON.stringify(errors).includes('BAD_USER_INPUT'),
      );
    } finally {
      await client.dispose();
    }
  });

  it('closing the WebSocket subscription cancels the generation and keeps its partial text', async () => {
    const client = wsClient(server.wsUrl);
    let requestId = '';
    let received = '';
    try {
      for await (const result of subscribeWs(client, GenerateDocument, { input: { prompt: 'long', maxTokens: 2000 } })) {
        const event = result.data!.generate;
        if (event.__typename === 'GenerationStarted') requestId = event.requestId;
        if (event.__typename === 'GenerationToken') received += event.text;
        if (event.__typename === 'GenerationToken' && event.index >= 3) break;
      }
    } finally {
      await client.dispose();
    }
    expect(await finalStatus(requestId)).toBe('CANCELLED');
    const row = (await gql(server.graphqlUrl, RequestByIdDocument, { id: requestId })).body.data!.request!;
    expect(row.outputText?.startsWith(received)).toBe(true);
    expect(row.completionTokens).toBeLessThan(2000);
  });

  it('aborting the SSE request cancels the generation', async () => {
    const controller = new AbortController();
    let requestId = '';
    try {
      for await (const result of subscribeSse(server.graphqlUrl, GenerateDocument, { input: { prompt: 'long', maxTokens: 2000 } }, controller.signal)) {
        const event = result.data!.generate;
        if (event.__typename === 'GenerationStarted') requestId = event.requestId;
        if (event.__typename === 'GenerationToken' && event.index >= 2) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toBe('AbortError');
    }
    expect(await finalStatus(requestId)).toBe('CANCELLED');
  });

  it('aborting an HTTP mutation cancels its generation', async () => {
    const controller = new AbortController();
    const pending = gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'abort me', maxTokens: 2000 } }, { signal: controller.signal });
    const running = await waitFor(async () => {
      const { body } = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1, filter: { text: 'abort me' } });
      return body.data?.requests.edges[0]?.node;
    }, 'the request row');
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(await finalStatus(running.id)).toBe('CANCELLED');
  });

  it('cancelRequest stops a running generation', async () => {
    const client = wsClient(server.wsUrl);
    try {
      const events = subscribeWs(client, GenerateDocument, { input: { prompt: 'cancel by id', maxTokens: 2000 } });
      let requestId = '';
      let finish = '';
      for await (const result of events) {
        const event = result.data!.generate;
        if (event.__typename === 'GenerationStarted') {
          requestId = event.requestId;
          const cancelled = await gql(server.graphqlUrl, CancelRequestDocument, { id: requestId });
          expect(cancelled.body.data?.cancelRequest.status).toBe('CANCELLED');
        }
        if (event.__typename === 'GenerationCompleted') finish = event.finishReason;
      }
      expect(finish).toBe('CANCELLED');
    } finally {
      await client.dispose();
    }
  });

  it('requestEvents replays what was generated, then streams the rest', async () => {
    const first = wsClient(server.wsUrl);
    const second = wsClient(server.wsUrl);
    try {
      let reattach: Promise<{ tokens: string[]; text: string; finish: string }> | undefined;
      let originalText = '';
      for await (const result of subscribeWs(first, GenerateDocument, { input: { prompt: 'attach', maxTokens: 300 } })) {
        const event = result.data!.generate;
        if (event.__typename === 'GenerationToken' && event.index === 2 && !reattach) {
          const requestId = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1, filter: { text: 'attach' } })).body.data!
            .requests.edges[0].node.id;
          reattach = (async () => {
            const out = { tokens: [] as string[], text: '', finish: '' };
            for await (const attached of subscribeWs(second, RequestEventsDocument, { id: requestId })) {
              const e = attached.data!.requestEvents;
              if (e.__typename === 'GenerationToken') out.tokens.push(e.text);
              if (e.__typename === 'GenerationCompleted') [out.text, out.finish] = [e.text, e.finishReason];
            }
            return out;
          })();
        }
        if (event.__typename === 'GenerationCompleted') originalText = event.text;
      }
      const attached = await reattach!;
      expect(attached.finish).toBe('LENGTH');
      expect(attached.text).toBe(originalText);
      expect(attached.tokens.join('')).toBe(originalText);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });
});

describe('history', () => {
  it('pages through more requests than a page while new ones arrive, with no duplicates or gaps', async () => {
    const made: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: `page ${i}`, maxTokens: 1 } });
      made.push(body.data!.generateText.request.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result: Awaited<ReturnType<typeof gql<RequestHistoryQuery, RequestHistoryQueryVariables>>> = await gql(
        server.graphqlUrl,
        RequestHistoryDocument,
        { first: 5, after, filter: { text: 'page ' } },
      );
      const connection = result.body.data!.requests;
      seen.push(...connection.edges.map((e) => e.node.id));
      await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: `page late ${page}`, maxTokens: 1 } });
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor!;
    }
    expect(seen).toEqual([...made].reverse());
  });

  it('filters by status and task', async () => {
    const { body } = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 50, filter: { status: 'CANCELLED', task: 'TEXT_GENERATION' } });
    const nodes = body.data!.requests.edges.map((e) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n) => n.status === 'CANCELLED' && n.task === 'TEXT_GENERATION')).toBe(true);
  });
});

describe('graceful shutdown', () => {
  it('work that finishes during the drain still reaches its HTTP and WebSocket clients', async () => {
    const draining = await startTestServer({ modelsDir: models.dir, env: { SHUTDOWN_TIMEOUT_MS: '120000' } });
    const client = wsClient(draining.wsUrl);
    try {
      const mutation = gql(draining.graphqlUrl, GenerateTextDocument, { input: { prompt: 'drain over http', maxTokens: 200 } });
      const stream = (async () => {
        const events: Event[] = [];
        for await (const result of subscribeWs(client, GenerateDocument, { input: { prompt: 'drain over ws', maxTokens: 200 } })) {
          expect(result.errors).toBeUndefined();
          events.push(result.data!.generate);
        }
        return events;
      })();
      await waitFor(async () => {
        const { body } = await gql(draining.graphqlUrl, RequestHistoryDocument, { first: 5, filter: { status: 'RUNNING' } });
        return body.data?.requests.edges.length === 2;
      }, 'both requests to run');
      const closed = draining.app.close();

      const { body } = await mutation;
      expect(body.errors).toBeUndefined();
      expect(body.data?.generateText.usage.completionTokens).toBe(200);
      expect(body.data?.generateText.request.status).toBe('COMPLETED');
      const events = await stream;
      const last = events.at(-1)!;
      expect(last.__typename).toBe('GenerationCompleted');
      expect(last.__typename === 'GenerationCompleted' && last.usage.completionTokens).toBe(200);
      await closed;
    } finally {
      await client.dispose();
      await draining.close();
    }
  });
});
