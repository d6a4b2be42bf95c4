/**
 * response_format and tools through `/v1/chat/completions` with the official client, on the
 * random-weight fixture LM: whatever the weights, a json_schema answer parses and validates
 * (ajv), streamed or not; a forced tool call streams as `delta.tool_calls` with arguments
 * that validate and finish_reason `tool_calls`; the tool's reply is taken on the next turn.
 */
import type OpenAI from 'openai';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { openaiClient } from './support/openai.js';
import { SCHEMAS, validates, WEATHER_TOOLS } from './fixtures/structured/schemas.js';

let models: TestModels;
let server: TestServer;
let client: OpenAI;

const TOOLS: ChatCompletionFunctionTool[] = WEATHER_TOOLS.map((tool) => ({ type: 'function', function: tool as ChatCompletionFunctionTool['function'] }));
const parametersOf = (name: string) => WEATHER_TOOLS.find((tool) => tool.name === name)!.parameters;

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 512 } });
  server = await startTestServer({ modelsDir: models.dir });
  client = openaiClient(server);
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('response_format', () => {
  it('json_schema: every answer of several sampled choices parses and validates', async () => {
    const schema = SCHEMAS.nested as Record<string, unknown>;
    const completion = await client.chat.completions.create({
      model: 'tiny-lm',
      messages: [{ role: 'user', content: 'the cat' }],
      max_tokens: 120,
      temperature: 1.5,
      seed: 5,
      n: 3,
      response_format: { type: 'json_schema', json_schema: { name: 'nested', schema } },
    });
    for (const choice of completion.choices) {
      expect(choice.finish_reason).toBe('stop');
      expect(validates(schema, JSON.parse(choice.message.content!))).toBe(true);
    }
  });

  it('json_schema streamed: the content deltas add up to a valid value', async () => {
    const schema = SCHEMAS.nested as Record<string, unknown>;
    const stream = await client.chat.completions.create({
      model: 'tiny-lm',
      messages: [{ role: 'user', content: 'a dog' }],
      max_tokens: 120,
      temperature: 1,
      seed: 9,
      stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 'nested', schema } },
    });
    let text = '';
    let deltas = 0;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) {
        text += content;
        deltas += 1;
      }
    }
    expect(deltas).toBeGreaterThan(3);
    expect(validates(schema, JSON.parse(text))).toBe(true);
  });

  it('json_object: the answer is a JSON object', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny-lm',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 60,
      temperature: 1,
      seed: 1,
      response_format: { type: 'json_object' },
    });
    const value = JSON.parse(completion.choices[0]!.message.content!);
    expect(typeof value).toBe('object');
    expect(Array.isArray(value)).toBe(false);
  });

  it('refuses a schema keyword it cannot enforce, with 400 before any row', async () => {
    const before = (await server.app.services.requests.list({}, { first: 100 })).rows.length;
    await expect(
      client.chat.completions.create({
        model: 'tiny-lm',
        messages: [{ role: 'user', content: 'x' }],
        response_format: { type: 'json_schema', json_schema: { name: 'p', schema: { type: 'string', pattern: '^a+$' } } },
      }),
    ).rejects.toMatchObject({ status: 400, code: 'bad_user_input', message: expect.stringContaining('pattern') });
    expect((await server.app.services.requests.list({}, { first: 100 })).rows.length).toBe(before);
  });
});

describe('tools', () => {
  it('streams a required call as delta.tool_calls whose arguments validate, without content', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny-lm',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: TOOLS,
      tool_choice: 'required',
      temperature: 2,
      seed: 3,
      stream: true,
    });
    const calls = [];
    let content = '';
    let finish = '';
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      content += choice?.delta.content ?? '';
      calls.push(...(choice?.delta.tool_calls ?? []));
      finish ||= choice?.finish_reason ?? '';
    }
    expect(content).toBe('');
    expect(finish).toBe('tool_calls');
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call).toMatchObject({ index: 0, type: 'function', id: expect.stringMatching(/^call_/) });
    expect(validates(parametersOf(call.function!.name!), JSON.parse(call.function!.arguments!))).toBe(true);
  });

  it('answers a named call unary, and takes the tool reply on the next turn', async () => {
    const first = await client.chat.completions.create({
      model: 'tiny-lm',
      messages: [{ role: 'user', content: 'cats?' }],
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'search' } },
    });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.content).toBeNull();
    const call = message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('not a function call');
    expect(call.function.name).toBe('search');
    expect(validates(parametersOf('search'), JSON.parse(call.function.arguments))).toBe(true);

    const next = await client.chat.completions.create({
      model: 'tiny-lm',
      messages: [{ role: 'user', content: 'cats?' }, message, { role: 'tool', content: '{"results":3}', tool_call_id: call.id }],
      tools: TOOLS,
      max_tokens: 4,
    });
    expect(next.choices[0]!.finish_reason).toBe('length');
  });

  it('refuses tool_choice without tools, and a tool message without its call id', async () => {
    await expect(client.chat.completions.create({ model: 'tiny-lm', messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' })).rejects.toMatchObject({
      status: 400,
      param: 'tool_choice',
    });
    const raw = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-lm', messages: [{ role: 'tool', content: 'x' }] }),
    });
    expect(raw.status).toBe(400);
    expect((await raw.json()).error.param).toBe('messages[0].tool_call_id');
  });
});
