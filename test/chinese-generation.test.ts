/**
 * tessera-lm-zh (tessera-lm's recipe on a small templated Chinese world beside its English
 * one) continues the source material's own example, 这是一个中文文本, with Chinese text, streamed
 * through the engine's decode loop. Its byte-level tokenizer spends several tokens on many
 * characters, so the stream must hold a character back until it is whole: the token texts add
 * up to the final text, which has no U+FFFD, and some token events carry '' while a character
 * is pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/inference/engine.js';
import { testEngine } from './support/engine.js';
import type { GenerationEvent } from '../src/inference/generation/types.js';

let engine: Engine;

beforeAll(async () => {
  engine = await testEngine();
});

afterAll(async () => {
  await engine?.close();
});

const HAN = /\p{Script=Han}/gu;

describe('tessera-lm-zh continues Chinese text', () => {
  // Greedy decoding ends the document at the first 。 (the corpus's documents are short), so
  // the continuation is sampled, reproducibly, with a few seeds.
  it('continues 这是一个中文文本 in Chinese, streamed without split characters', async () => {
    let pending = 0;
    for (const seed of [7, 11, 23]) {
      const events: GenerationEvent[] = [];
      for await (const event of await engine.generate('tessera-lm-zh', { prompt: '这是一个中文文本', maxTokens: 40, temperature: 0.8, seed })) events.push(event);
      const completed = events.at(-1)!;
      if (completed.type !== 'completed') throw new Error(`the stream ended with ${completed.type}`);
      const tokens = events.filter((e) => e.type === 'token');
      expect(tokens.map((t) => t.text).join('')).toBe(completed.text);
      expect(completed.text).not.toContain('\uFFFD');
      expect((completed.text.match(HAN) ?? []).length, completed.text).toBeGreaterThanOrEqual(8);
      pending += tokens.filter((t) => t.text === '').length;
    }
    // Some tokens ended inside a character and were held back.
    expect(pending).toBeGreaterThan(0);
  });
});
