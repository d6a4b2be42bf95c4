/**
 * The shipped default model (models/tessera-lm) through the generation engine: its
 * greedy continuation of a story opening reads as English. Words, not an exact text,
 * so retraining the model does not break the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextGenerator } from '../src/inference/generation/index.js';
import { collect, createTestSession } from './fixtures/lm/session.js';

const COMMON_WORDS = ['the', 'a', 'and', 'was', 'to', 'she', 'he', 'it', 'in', 'of', 'her', 'his', 'they', 'said', 'day'];

describe('tessera-lm', () => {
  let generator: TextGenerator;

  beforeAll(async () => {
    generator = await TextGenerator.load('models/tessera-lm', { createSession: createTestSession });
  });
  afterAll(() => generator.close());

  it('continues a story opening with common English words', async () => {
    const run = await collect(generator.generate({ prompt: 'Once upon a time', maxTokens: 40 }));
    expect(run.completed.finishReason).not.toBe('ERROR');
    const words = run.completed.text.toLowerCase().match(/[a-z]+/g) ?? [];
    expect(words.length).toBeGreaterThanOrEqual(8);
    const common = words.filter((w) => COMMON_WORDS.includes(w));
    expect(common.length).toBeGreaterThanOrEqual(3);
    expect(run.completed.text).not.toContain('\uFFFD');
  });
});
