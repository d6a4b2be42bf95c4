/**
 * GraphQL over SSE in both of graphql-sse's modes, through its own client against a real
 * server: distinct connections (one response per operation, on /graphql and /graphql/stream)
 * and single connection (one event stream on /graphql/stream, operations sent beside it).
 */
import { createClient, type Client } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { createTestModels, type TestModels } from './support/models-dir.js';

let models: TestModels;
let server: TestServer;

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 2048 } });
  server = await startTestServer({ modelsDir: models.dir });
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

interface GenerateEvent {
  generate: { __typename: string; requestId?: string; text?: string; finishReason?: string };
}

const GENERATE = `subscription ($prompt: String!, $maxTokens: Int!) {
  generate(input: { prompt: $prompt, maxTokens: $maxTokens }) {
    __typename
    ... on GenerationStarted { requestId }
    ... on GenerationToken { text }
    ... on GenerationCompleted { text finishReason }
  }
}`;

const REQUEST_STATUS = `query ($id: ID!) { request(id: $id) { status } }`;

async function collect<T>(results: AsyncIterable<{ data?: T | null; errors?: unknown }>): Promise<T[]> {
  const events: T[] = [];
  for await (const result of results) {
    expect(result.errors).toBeUndefined();
    events.push(result.data!);
  }
  return events;
}

async function requestStatus(client: Client, id: string): Promise<string | undefined> {
  const [data] = await collect<{ request: { status: string } }>(client.iterate({ query: REQUEST_STATUS, variables: { id } }));
  return data?.request.status;
}

const modes: { name: string; path: string; singleConnection: boolean }[] = [
  { name: 'distinct connections on /graphql', path: '/graphql', singleConnection: false },
  { name: 'distinct connections on /graphql/stream', path: '/graphql/stream', singleConnection: false },
  { name: 'single connection on /graphql/stream', path: '/graphql/stream', singleConnection: true },
];

describe.each(modes)('graphql-sse, $name', ({ path, singleConnection }) => {
  let client: Client;

  beforeAll(() => {
    client = createClient({ url: `${server.url}${path}`, singleConnection, retryAttempts: 0 });
  });

  afterAll(() => client.dispose());

  it('answers a query', async () => {
    const [data] = await collect<{ models: { name: string }[] }>(client.iterate({ query: '{ models { name } }' }));
    expect(data?.models.map((model) => model.name)).toContain('tiny-lm');
  });

  it('streams a generation to its end, and the request is COMPLETED', async () => {
    const events = await collect<GenerateEvent>(client.iterate({ query: GENERATE, variables: { prompt: 'Once upon a time', maxTokens: 12 } }));
    const kinds = events.map((event) => event.generate.__typename);
    expect(kinds[0]).toBe('GenerationStarted');
    expect(kinds.filter((kind) => kind === 'GenerationToken')).toHaveLength(12);
    expect(kinds.at(-1)).toBe('GenerationCompleted');
    expect(kinds.filter((kind) => kind === 'GenerationCompleted')).toHaveLength(1);
    const tokens = events.filter((event) => event.generate.__typename === 'GenerationToken').map((event) => event.generate.text).join('');
    expect(events.at(-1)!.generate.text).toBe(tokens);
    expect(await requestStatus(client, events[0]!.generate.requestId!)).toBe('COMPLETED');
  });

  it('ends a refused generation with its coded error, and the connection keeps serving', async () => {
    const results: { errors?: readonly { extensions?: Record<string, unknown> }[] }[] = [];
    for await (const result of client.iterate({ query: GENERATE, variables: { prompt: 'Once upon a time', maxTokens: 100_000 } })) results.push(result);
    expect(results.at(-1)!.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const [data] = await collect<{ models: { name: string }[] }>(client.iterate({ query: '{ models { name } }' }));
    expect(data?.models).toHaveLength(1);
  });

  it('cancels the generation when the client leaves early', async () => {
    const iterator = client.iterate<GenerateEvent>({ query: GENERATE, variables: { prompt: 'Once upon a time', maxTokens: 2000 } });
    let requestId: string | undefined;
    let tokens = 0;
    for await (const result of iterator) {
      requestId ??= result.data?.generate.requestId;
      if (result.data?.generate.__typename === 'GenerationToken' && ++tokens === 3) break;
    }
    expect(requestId).toBeDefined();
    await expect.poll(() => requestStatus(client, requestId!), { timeout: 30_000 }).toBe('CANCELLED');
  });
});

/**
 * What ends a subscription's HTTP stream, read off the wire: the final event is sent once and
 * then only the transport's terminator follows, with no result repeated (issue 17, item 8: a
 * client that shows GenerationCompleted twice repeats it itself).
 */
describe('the end of a streamed subscription on the wire', () => {
  function streamed(accept: string): Promise<Response> {
    return fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query: GENERATE, variables: { prompt: 'Once upon a time', maxTokens: 5 } }),
    });
  }

  it('over SSE: GenerationCompleted once, then only `complete`', async () => {
    const response = await streamed('text/event-stream');
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter((block) => block.startsWith('event:'));
    const completed = events.findIndex((block) => block.includes('"GenerationCompleted"'));
    expect(events.filter((block) => block.includes('"GenerationCompleted"'))).toHaveLength(1);
    expect(events.slice(completed + 1)).toEqual(['event: complete\ndata:']);
  });

  it('a client that accepts multipart/mixed and SSE gets SSE; multipart/mixed alone is refused for subscriptions', async () => {
    const both = await streamed('multipart/mixed, text/event-stream');
    expect(both.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await both.body?.cancel();
    expect((await streamed('multipart/mixed')).status).toBe(406);
  });
});
