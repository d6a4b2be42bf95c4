/**
 * The OpenAI-compatible text endpoints as the official `openai` client meets them, against a
 * real server with keys on: models, chat (unary and streamed with usage), legacy completions,
 * logprobs, n choices, the rows they leave (marked as this API's), the same generation over
 * GraphQL, and a client that aborts a stream (its row ends CANCELLED).
 */
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { openaiClient } from './support/openai.js';
import { gql } from './support/client.js';
import { GenerateTextDocument } from './generated/graphql.js';

let models: TestModels;
let server: TestServer;
let client: OpenAI;
let key = '';

const MESSAGES = [
  { role: 'system' as const, content: 'You answer briefly.' },
  { role: 'user' as const, content: 'Name a colour.' },
];

const rowOf = (id: string) => server.app.services.requests.get(id.replace(/^(chatcmpl|cmpl)-/, ''));

async function settledRow(id: string) {
  for (let i = 0; i < 200; i += 1) {
    const row = await rowOf(id);
    if (row && row.status !== 'QUEUED' && row.status !== 'RUNNING') return row;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`request ${id} did not settle`);
}

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 1024 } });
  server = await startTestServer({ modelsDir: models.dir, env: { AUTH: 'required' } });
  key = (await server.app.services.keys.create('app', ['infer'])).key;
  client = openaiClient(server, key);
}, 120_000);

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('models', () => {
  it('lists the repository and finds one model by id', async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toContain('tiny-lm');
    const model = await client.models.retrieve('tiny-lm');
    expect(model).toMatchObject({ id: 'tiny-lm', object: 'model', owned_by: 'tessera', task: 'TEXT_GENERATION' });
  });
});

describe('chat completions', () => {
  it('answers a unary chat with usage and a COMPLETED row marked as an OpenAI request', async () => {
    const completion = await client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 8 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices).toHaveLength(1);
    const [choice] = completion.choices;
    expect(choice!.message.role).toBe('assistant');
    expect(choice!.finish_reason).toBe('length');
    expect(completion.usage).toMatchObject({ completion_tokens: 8 });
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + 8);
    const row = await settledRow(completion.id);
    expect(row.status).toBe('COMPLETED');
    expect(row.task).toBe('TEXT_GENERATION');
    expect(row.parameters).toMatchObject({ api: 'openai', maxTokens: 8 });
    expect(row.outputText).toBe(choice!.message.content);
    expect(row.completionTokens).toBe(8);
  });

  it('streams the same greedy answer as chunks, then a usage chunk, then [DONE]', async () => {
    const unary = await client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 12 });
    const stream = await client.chat.completions.create({
      model: 'tiny-lm',
      messages: MESSAGES,
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(unary.choices[0]!.message.content);
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    expect(finish!.choices[0]!.finish_reason).toBe('length');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 12, total_tokens: last.usage!.prompt_tokens + 12 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect((await settledRow(last.id)).status).toBe('COMPLETED');
  });

  it('gives the same text as GraphQL generateText for the same prompt', async () => {
    const prompt = 'The quick brown fox';
    const openai = await client.completions.create({ model: 'tiny-lm', prompt, max_tokens: 10 });
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt, maxTokens: 10 } }, { headers: { authorization: `Bearer ${key}` } });
    expect(body.errors).toBeUndefined();
    expect(openai.choices[0]!.text).toBe(body.data!.generateText.text);
  });

  it('reports logprobs with top alternatives per token', async () => {
    const completion = await client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 5, logprobs: true, top_logprobs: 3 });
    const content = completion.choices[0]!.logprobs!.content!;
    expect(content).toHaveLength(5);
    for (const token of content) {
      expect(token.logprob).toBeLessThanOrEqual(0);
      expect(token.top_logprobs).toHaveLength(3);
      expect(token.bytes).toEqual([...Buffer.from(token.token)]);
    }
    expect(content.map((token) => token.token).join('')).toBe(completion.choices[0]!.message.content);
  });

  it('runs n choices, each its own row, and counts the prompt once', async () => {
    const completion = await client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 6, n: 3, temperature: 1, seed: 7 });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    const single = await client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 1 });
    expect(completion.usage).toMatchObject({ completion_tokens: 18, prompt_tokens: single.usage!.prompt_tokens });
    // Seed i + index: the same request gives the same three choices again.
    const again = await client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 6, n: 3, temperature: 1, seed: 7 });
    expect(again.choices.map((choice) => choice.message.content)).toEqual(completion.choices.map((choice) => choice.message.content));
  });

  it('streams n choices, each ending with its own finish_reason', async () => {
    const stream = await client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 4, n: 2, stream: true });
    const endings = new Map<number, string>();
    for await (const chunk of stream) for (const choice of chunk.choices) if (choice.finish_reason) endings.set(choice.index, choice.finish_reason);
    expect([...endings].sort()).toEqual([
      [0, 'length'],
      [1, 'length'],
    ]);
  });

  it('stops at a stop string', async () => {
    const free = await client.completions.create({ model: 'tiny-lm', prompt: 'abc', max_tokens: 20 });
    const text = free.choices[0]!.text;
    // A stop string taken from inside the free answer ends the answer just before it.
    const stop = text.slice(5, 8);
    const stopped = await client.completions.create({ model: 'tiny-lm', prompt: 'abc', max_tokens: 20, stop: [stop] });
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    expect(stopped.choices[0]!.text).toBe(text.slice(0, text.indexOf(stop)));
  });
});

describe('legacy completions', () => {
  it('answers unary and streamed with the same text, and logprobs in the legacy shape', async () => {
    const unary = await client.completions.create({ model: 'tiny-lm', prompt: 'Once upon a time', max_tokens: 7, logprobs: 2 });
    expect(unary.object).toBe('text_completion');
    const logprobs = unary.choices[0]!.logprobs!;
    expect(logprobs.tokens).toHaveLength(7);
    expect(logprobs.token_logprobs).toHaveLength(7);
    expect(logprobs.top_logprobs!.every((top) => Object.keys(top).length <= 2)).toBe(true);
    expect(logprobs.text_offset![0]).toBe(0);
    const stream = await client.completions.create({ model: 'tiny-lm', prompt: 'Once upon a time', max_tokens: 7, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(unary.choices[0]!.text);
    expect(usage).toMatchObject({ completion_tokens: 7 });
  });
});

describe('a client that goes away', () => {
  it('cancels its stream: the row ends CANCELLED with the words it had', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'tiny-lm', messages: MESSAGES, max_tokens: 900, stream: true },
      { signal: controller.signal },
    );
    let id = '';
    let seen = 0;
    try {
      for await (const chunk of stream) {
        id = chunk.id;
        if (chunk.choices[0]?.delta.content) seen += 1;
        if (seen === 3) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toMatch(/Abort/);
    }
    const row = await settledRow(id);
    expect(row.status).toBe('CANCELLED');
    expect(row.completionTokens ?? 0).toBeLessThan(900);
  });

  it('cancels a unary call whose client hangs up: the row ends CANCELLED', async () => {
    const before = new Set((await server.app.services.requests.list({ task: 'TEXT_GENERATION' }, { first: 100 })).rows.map((row) => row.id));
    const controller = new AbortController();
    const call = client.chat.completions.create({ model: 'tiny-lm', messages: MESSAGES, max_tokens: 900 }, { signal: controller.signal });
    let row;
    for (let i = 0; i < 200 && !row; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      row = (await server.app.services.requests.list({ task: 'TEXT_GENERATION' }, { first: 100 })).rows.find((r) => !before.has(r.id));
    }
    controller.abort();
    await expect(call).rejects.toThrow();
    expect((await settledRow(row!.id)).status).toBe('CANCELLED');
  });
});
