/**
 * Structured output and tool calls over GraphQL, against a real server: a constrained
 * generation streamed over graphql-ws whose GenerationCompleted.json validates, a forced
 * tool call through generateText and over SSE, and unsupported keywords refused with
 * BAD_USER_INPUT before any request row exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeSse, subscribeWs, wsClient } from './support/client.js';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { SCHEMAS, validates, WEATHER_TOOLS } from './fixtures/structured/schemas.js';
import {
  GenerateStructuredDocument,
  GenerateStructuredTextDocument,
  RequestHistoryDocument,
  type GenerateStructuredSubscription,
} from './generated/graphql.js';

type Event = GenerateStructuredSubscription['generate'];

let models: TestModels;
let server: TestServer;

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 512 } });
  server = await startTestServer({ modelsDir: models.dir });
  for (let i = 0; i < 200 && (await fetch(`${server.url}/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

async function collect(events: AsyncIterable<{ data?: { generate: Event } | null; errors?: unknown }>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const result of events) {
    expect(result.errors).toBeUndefined();
    out.push(result.data!.generate);
  }
  return out;
}

describe('structured output over GraphQL', () => {
  it('streams a schema-constrained generation over graphql-ws; the completion carries the parsed value', async () => {
    const client = wsClient(server.wsUrl);
    try {
      const schema = SCHEMAS.nested;
      const events = await collect(
        subscribeWs(client, GenerateStructuredDocument, {
          input: { prompt: ' the cat', maxTokens: 120, temperature: 1.5, seed: 5, responseFormat: { type: 'JSON_SCHEMA', schema } },
        }),
      );
      const completed = events.at(-1)!;
      if (completed.__typename !== 'GenerationCompleted') throw new Error(`ended with ${completed.__typename}`);
      const streamed = events.map((e) => (e.__typename === 'GenerationToken' ? e.text : '')).join('');
      expect(events.filter((e) => e.__typename === 'GenerationToken').length).toBeGreaterThan(3);
      expect(completed.finishReason).toBe('STOP');
      expect(streamed).toBe(completed.text);
      expect(JSON.parse(completed.text)).toEqual(completed.json);
      expect(validates(schema, completed.json)).toBe(true);
    } finally {
      await client.dispose();
    }
  });

  it('returns a forced tool call whose arguments validate from generateText', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateStructuredTextDocument, {
      input: {
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        tools: WEATHER_TOOLS,
        toolChoice: { mode: 'REQUIRED' },
        temperature: 2,
        seed: 3,
      },
    });
    expect(body.errors).toBeUndefined();
    const payload = body.data!.generateText;
    expect(payload.finishReason).toBe('TOOL_CALLS');
    expect(payload.toolCalls).toHaveLength(1);
    const call = payload.toolCalls[0];
    expect(validates(WEATHER_TOOLS.find((t) => t.name === call.name)!.parameters, call.arguments)).toBe(true);
  });

  it('streams a named tool call as a GenerationToolCall event over SSE, and takes the tool reply on the next turn', async () => {
    const events = await collect(
      subscribeSse(server.graphqlUrl, GenerateStructuredDocument, {
        input: { messages: [{ role: 'user', content: 'cats?' }], tools: WEATHER_TOOLS, toolChoice: { function: 'search' } },
      }),
    );
    const call = events.find((e) => e.__typename === 'GenerationToolCall');
    if (call?.__typename !== 'GenerationToolCall') throw new Error('no tool call event');
    expect(call.name).toBe('search');
    expect(call.id).toMatch(/^call_/);
    expect(validates(WEATHER_TOOLS[1].parameters, call.arguments)).toBe(true);
    expect(events.at(-1)).toMatchObject({ __typename: 'GenerationCompleted', finishReason: 'TOOL_CALLS' });

    const { body } = await gql(server.graphqlUrl, GenerateStructuredTextDocument, {
      input: {
        messages: [
          { role: 'user', content: 'cats?' },
          { role: 'assistant', content: '', toolCalls: [{ id: call.id, name: call.name, arguments: call.arguments }] },
          { role: 'tool', content: '{"results":3}', toolCallId: call.id },
        ],
        tools: WEATHER_TOOLS,
        maxTokens: 4,
      },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!.generateText.finishReason).toBe('LENGTH');
  });

  it('refuses unsupported keywords with BAD_USER_INPUT naming them, before a row is written', async () => {
    const before = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 50 })).body.data!.requests.totalCount;
    const { body } = await gql(server.graphqlUrl, GenerateStructuredTextDocument, {
      input: { prompt: 'x', responseFormat: { type: 'JSON_SCHEMA', schema: { type: 'string', pattern: 'a+', format: 'email' } } },
    });
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toMatch(/pattern, format/);
    const after = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 50 })).body.data!.requests.totalCount;
    expect(after).toBe(before);
  });
});
