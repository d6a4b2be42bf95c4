/**
 * Structured output and tool calls on random weights: the tiny fixture LM (whose end-of-
 * text logit is pushed far down, so only the constraint can end a value) must still produce
 * JSON that parses and that ajv validates, greedy and sampled hot, for every schema; and
 * the same on the shipped tessera-lm, whose context is only 128 tokens.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TOKEN_CHARS } from '../src/inference/generation/constraints/automaton.js';
import { ConstraintGrammar, MaskCache } from '../src/inference/generation/constraints/grammar.js';
import { JsonConstraint } from '../src/inference/generation/constraints/json-constraint.js';
import { compileResponseFormat } from '../src/inference/generation/constraints/schema.js';
import { buildTokenTrie } from '../src/inference/generation/constraints/token-trie.js';
import { SeededRandom, TextGenerator } from '../src/inference/generation/index.js';
import { parseToolCalls } from '../src/inference/generation/tools.js';
import type { GenerationRequest, ToolCallEvent } from '../src/inference/generation/types.js';
import { collect, createTestSession } from './fixtures/lm/session.js';
import { writeTinyLm, type TinyLm } from './fixtures/lm/tiny-lm.js';
import { HERMES_TEMPLATE, SCHEMAS, validates, WEATHER_TOOLS } from './fixtures/structured/schemas.js';

const SAMPLINGS: Partial<GenerationRequest>[] = [{}, { temperature: 1.8, seed: 1 }, { temperature: 1.8, seed: 2 }, { temperature: 3, seed: 3, topK: 40 }];

async function expectValidOutputs(generator: TextGenerator, prompt: string, maxTokens: number) {
  const runs = Object.entries(SCHEMAS).flatMap(([name, schema]) =>
    SAMPLINGS.map(async (sampling) => {
      const run = await collect(generator.generate({ prompt, maxTokens, responseFormat: { type: 'json_schema', schema }, ...sampling }));
      return { name, schema, sampling, completed: run.completed, streamed: run.tokens.map((t) => t.text).join('') };
    }),
  );
  // All at once: the rows share batches, each under its own schema.
  for (const { name, schema, sampling, completed, streamed } of await Promise.all(runs)) {
    const label = `${name} ${JSON.stringify(sampling)}: ${completed.text}`;
    expect(completed.finishReason, label).toBe('STOP');
    expect(streamed, label).toBe(completed.text);
    expect(JSON.parse(completed.text), label).toEqual(completed.json);
    expect(validates(schema, completed.json), label).toBe(true);
  }
}

describe('structured output on the tiny random-weight LM', () => {
  let lm: TinyLm;
  let generator: TextGenerator;

  beforeAll(async () => {
    lm = await writeTinyLm({ flavour: 'gpt2' });
    const configFile = path.join(lm.dir, 'tokenizer_config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), chat_template: HERMES_TEMPLATE }));
    generator = await TextGenerator.load(lm.dir, { createSession: createTestSession, maxBatchSize: 8 });
  });
  afterAll(async () => {
    await generator?.close();
    await lm?.cleanup();
  });

  it('produces JSON that validates for every schema, greedy and sampled, in shared batches', async () => {
    await expectValidOutputs(generator, ' the cat', 120);
    expect(generator.stats.maxRows).toBeGreaterThan(1);
  });

  it('json_object yields an object', async () => {
    for (const seed of [1, 2, 3]) {
      const { completed } = await collect(generator.generate({ prompt: ' a dog', maxTokens: 60, temperature: 2, seed, responseFormat: { type: 'json_object' } }));
      expect(completed.finishReason).toBe('STOP');
      expect(completed.json).toBeTypeOf('object');
      expect(Array.isArray(completed.json)).toBe(false);
      expect(JSON.parse(completed.text)).toEqual(completed.json);
    }
  });

  it('ends with LENGTH and no json when maxTokens cannot hold the value', async () => {
    const { completed } = await collect(generator.generate({ prompt: ' of', maxTokens: 4, responseFormat: { type: 'json_schema', schema: SCHEMAS.person } }));
    expect(completed.finishReason).toBe('LENGTH');
    expect(completed.json).toBeUndefined();
    expect(() => JSON.parse(completed.text)).toThrow();
  });

  it('refuses unsupported keywords up front, naming them', () => {
    const schema = { type: 'object', properties: { a: { type: 'string', pattern: '^a', format: 'email' } }, $ref: '#/x' };
    let error: unknown;
    try {
      generator.generate({ prompt: 'x', responseFormat: { type: 'json_schema', schema } });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((error as Error).message).toContain('$ref');
    expect(() => generator.generate({ prompt: 'x', responseFormat: { type: 'json_schema', schema: { minimum: 3, type: 'number' } } })).toThrow(/minimum/);
    expect(() => generator.generate({ prompt: 'x', responseFormat: { type: 'json_schema' } })).toThrow(/schema is required/);
    expect(() => generator.generate({ messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'f', parameters: { type: 'object', oneOf: [] } }], toolChoice: 'required' })).toThrow(/oneOf/);
    expect(() => generator.generate({ messages: [{ role: 'user', content: 'x' }], tools: WEATHER_TOOLS, toolChoice: { function: 'nope' } })).toThrow(/nope/);
  });

  it('toolChoice required yields a call whose arguments validate, greedy and sampled', async () => {
    for (const sampling of SAMPLINGS) {
      const run = await collect(
        generator.generate({ messages: [{ role: 'user', content: 'Paris?' }], tools: WEATHER_TOOLS, toolChoice: 'required', ...sampling }),
      );
      const calls = run.events.filter((e): e is ToolCallEvent => e.type === 'tool_call');
      expect(run.completed.finishReason, run.completed.text).toBe('TOOL_CALLS');
      expect(calls).toHaveLength(1);
      const tool = WEATHER_TOOLS.find((t) => t.name === calls[0].name)!;
      expect(validates(tool.parameters, calls[0].arguments)).toBe(true);
      expect(calls[0].id).toMatch(/^call_/);
    }
  });

  it('a named function forces that function', async () => {
    const run = await collect(
      generator.generate({ messages: [{ role: 'user', content: 'Find cats' }], tools: WEATHER_TOOLS, toolChoice: { function: 'search' }, maxTokens: 60, temperature: 2, seed: 9 }),
    );
    const call = run.events.find((e): e is ToolCallEvent => e.type === 'tool_call')!;
    expect(call.name).toBe('search');
    expect(validates(WEATHER_TOOLS[1].parameters, call.arguments)).toBe(true);
  });

  it('renders tools, calls and tool replies through the chat template for the next turn', () => {
    const prompt = generator.tokenizer.renderChat(
      [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } }] },
        { role: 'tool', content: '{"temp":3}', toolCallId: 'call_1' },
      ],
      { tools: WEATHER_TOOLS },
    );
    expect(prompt).toContain('<tools>get_weather search </tools>');
    expect(prompt).toContain('<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo", "unit": "c"}}</tool_call>');
    expect(prompt).toContain('<tool_response>{"temp":3}</tool_response>');
    expect(() => generator.generate({ messages: [{ role: 'tool', content: 'x' }] })).toThrow(/toolCallId/);
  });

  it('toolChoice none leaves tools out of the prompt', () => {
    const base = { messages: [{ role: 'user' as const, content: 'hi' }], tools: WEATHER_TOOLS };
    expect(generator.promptIds({ ...base, toolChoice: 'none' }).length).toBeLessThan(generator.promptIds(base).length);
  });
});

describe('the constraint over a vocabulary of awkward tokens', () => {
  // Single characters plus tokens that straddle structure: quotes with text, escapes,
  // closing brackets with commas, digits with a point, a multi-byte character.
  const vocab = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '{"', '":', '",', '"}', '"]', '],', '},{', '\\u00', '\\n', 'true', 'null', '12', '.5', 'e-', ' the', 'é', '"a"', ',"', '":"', '[{'];
  const eos = vocab.length;
  const trie = buildTokenTrie(vocab.length + 1, (id) => vocab[id] ?? '', MAX_TOKEN_CHARS);

  it.each(Object.keys(SCHEMAS))('random walks under %s always end valid when they end', (name) => {
    const grammar = new ConstraintGrammar(compileResponseFormat({ type: 'json_schema', schema: SCHEMAS[name] }), trie, [eos], new MaskCache());
    const random = new SeededRandom(7);
    let completed = 0;
    for (let run = 0; run < 60; run += 1) {
      const constraint = new JsonConstraint(grammar);
      // At least the shortest valid value of every schema here, one character per token.
      const maxTokens = 60 + (random.nextUint32() % 60);
      let text = '';
      for (let step = 0; step < maxTokens; step += 1) {
        const logits = Float32Array.from({ length: vocab.length + 1 }, () => random.nextUint32() / 2 ** 32);
        constraint.apply(logits, maxTokens - step, null);
        const choices = [...logits.keys()].filter((i) => logits[i] > -Infinity);
        const id = choices[random.nextUint32() % choices.length];
        if (id === eos) break;
        constraint.accept(id);
        text += vocab[id];
        if (constraint.complete && !constraint.open) break;
      }
      expect(constraint.complete, text).toBe(true);
      expect(validates(SCHEMAS[name], JSON.parse(text)), text).toBe(true);
      completed += 1;
    }
    expect(completed).toBe(60);
  });
});

describe('tool calls in the formats real templates produce', () => {
  it('reads Hermes/Qwen tags, Llama 3.x JSON with parameters, and ignores unknown functions and prose', () => {
    expect(parseToolCalls('<tool_call>\n{"name": "search", "arguments": {"query": "cats"}}\n</tool_call>\n<tool_call>{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}</tool_call>', WEATHER_TOOLS)).toEqual([
      { name: 'search', arguments: { query: 'cats' } },
      { name: 'get_weather', arguments: { city: 'Rome' } },
    ]);
    expect(parseToolCalls('<|python_tag|>{"name": "search", "parameters": {"query": "dogs"}}', WEATHER_TOOLS)).toEqual([{ name: 'search', arguments: { query: 'dogs' } }]);
    expect(parseToolCalls('{"name": "rm_rf", "parameters": {}}', WEATHER_TOOLS)).toEqual([]);
    expect(parseToolCalls('The weather is fine.', WEATHER_TOOLS)).toEqual([]);
  });
});

describe('structured output on tessera-lm', () => {
  let generator: TextGenerator;

  beforeAll(async () => {
    generator = await TextGenerator.load('models/tessera-lm', { createSession: createTestSession, maxBatchSize: 8 });
  });
  afterAll(() => generator?.close());

  it('produces JSON that validates for every schema, greedy and sampled', async () => {
    await expectValidOutputs(generator, 'Once upon a time', 100);
  });

  it('toolChoice required yields a valid call', async () => {
    const run = await collect(generator.generate({ messages: [{ role: 'user', content: 'Weather?' }], tools: WEATHER_TOOLS, toolChoice: 'required', maxTokens: 80, temperature: 1, seed: 4 }));
    const call = run.events.find((e): e is ToolCallEvent => e.type === 'tool_call')!;
    expect(run.completed.finishReason).toBe('TOOL_CALLS');
    expect(validates(WEATHER_TOOLS.find((t) => t.name === call.name)!.parameters, call.arguments)).toBe(true);
  });
});
