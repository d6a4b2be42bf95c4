/**
 * The batching a pulled decoder LM gets, from its graph's inputs, its config.json, its size
 * and the machine's memory.
 */
import { describe, expect, it } from 'vitest';
import { planLmBatching, type LmFacts } from '../src/inference/generation/batching-plan.js';
import { parseDecoderConfig } from '../src/inference/generation/model-config.js';

const GiB = 2 ** 30;
const gpt2Small: LmFacts = {
  inputNames: ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key'],
  config: parseDecoderConfig({ model_type: 'gpt2', n_layer: 12, n_head: 12, n_embd: 768, n_positions: 1024 }, {}),
  weightBytes: 650 * 2 ** 20,
  totalMemoryBytes: 16 * GiB,
};

describe('planLmBatching', () => {
  it('sizes the KV cache per token from config.json and batches up to the cap when memory allows', () => {
    const plan = planLmBatching(gpt2Small);
    expect(plan.kvBytesPerToken).toBe(12 * 12 * 64 * 2 * 4);
    expect(plan.batching).toEqual({ maxBatchSize: 32, maxQueue: 128 });
    expect(plan.unbatchedReason).toBeUndefined();
  });

  it('takes only as many full-context rows as half the memory holds beside the weights', () => {
    // 1 GiB: 512 MiB less 650 MiB of weights leaves nothing; 2 GiB leaves 374 MiB = 5 rows of 72 MiB.
    expect(planLmBatching({ ...gpt2Small, totalMemoryBytes: 2 * GiB }).batching).toEqual({ maxBatchSize: 5, maxQueue: 20 });
    const tight = planLmBatching({ ...gpt2Small, totalMemoryBytes: 1 * GiB });
    expect(tight.batching.maxBatchSize).toBe(1);
    expect(tight.unbatchedReason).toBe('two full-context rows need 144 MiB of KV cache beside 650 MiB of weights, more than half of this machine\'s 1024 MiB');
  });

  it('counts grouped-query KV heads, not attention heads', () => {
    const llama = parseDecoderConfig({ num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, hidden_size: 2048, max_position_embeddings: 2048 }, {});
    expect(planLmBatching({ ...gpt2Small, config: llama }).kvBytesPerToken).toBe(16 * 8 * 64 * 2 * 4);
  });

  it('says why a graph without attention_mask or position_ids runs every request alone', () => {
    const plan = planLmBatching({ ...gpt2Small, inputNames: ['input_ids', 'attention_mask'] });
    expect(plan.batching.maxBatchSize).toBe(1);
    expect(plan.unbatchedReason).toMatch(/^the graph has no position_ids input/);
    const unsized = planLmBatching({ ...gpt2Small, config: parseDecoderConfig({}, {}) });
    expect(unsized.batching.maxBatchSize).toBe(1);
    expect(unsized.unbatchedReason).toMatch(/config\.json does not give/);
  });
});
