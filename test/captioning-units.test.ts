/**
 * The captioner's reading of a model folder without running anything: which token a caption
 * starts from and which end it, its default length, and which decoder graphs it accepts.
 */
import { describe, expect, it } from 'vitest';
import { parseCaptionConfig } from '../src/inference/tasks/captioning/config.js';
import { describeCaptionDecoder } from '../src/inference/tasks/captioning/signature.js';
import { validateCaptionRequest } from '../src/inference/tasks/captioning/request.js';
import type { ValueMetadata } from '../src/inference/repository/signature.js';

const tokenizer = { bosTokenId: 0, eosTokenId: 2 };

describe('parseCaptionConfig', () => {
  it('takes decoder_start_token_id from generation_config, then config, then the decoder section', () => {
    const config = { decoder_start_token_id: 11, decoder: { decoder_start_token_id: 12, bos_token_id: 13, n_positions: 64 } };
    expect(parseCaptionConfig(config, { decoder_start_token_id: 10 }, tokenizer).decoderStartTokenId).toBe(10);
    expect(parseCaptionConfig(config, {}, tokenizer).decoderStartTokenId).toBe(11);
    expect(parseCaptionConfig({ decoder: config.decoder }, {}, tokenizer).decoderStartTokenId).toBe(12);
    // GPT-2 decoders of vit-gpt2 style exports have only a bos token, which doubles as the start.
    expect(parseCaptionConfig({ decoder: { bos_token_id: 50256 } }, {}, tokenizer).decoderStartTokenId).toBe(50256);
    expect(parseCaptionConfig({}, {}, tokenizer).decoderStartTokenId).toBe(0);
    expect(() => parseCaptionConfig({}, {}, { bosTokenId: undefined, eosTokenId: undefined })).toThrow(/decoder_start_token_id/);
  });

  it('ends at every eos id the configs and the tokenizer name', () => {
    const parsed = parseCaptionConfig({ eos_token_id: 5, decoder: { eos_token_id: [6, 7] } }, { eos_token_id: 4 }, tokenizer);
    expect(parsed.eosTokenIds.sort()).toEqual([2, 4, 5, 6, 7]);
  });

  it('defaults the caption length to max_length minus the start token, within the context', () => {
    expect(parseCaptionConfig({ decoder: { n_positions: 64 } }, { max_length: 20 }, tokenizer).defaultMaxTokens).toBe(19);
    expect(parseCaptionConfig({ decoder: { n_positions: 64 } }, { max_new_tokens: 30 }, tokenizer).defaultMaxTokens).toBe(30);
    expect(parseCaptionConfig({ decoder: { n_positions: 8 } }, { max_new_tokens: 30 }, tokenizer).defaultMaxTokens).toBe(7);
    // Transformers' own default max_length (20) when nothing says otherwise.
    expect(parseCaptionConfig({ decoder: { n_positions: 64 } }, {}, tokenizer).defaultMaxTokens).toBe(19);
  });

  it('reads the cache geometry from the decoder section (GPT-2 or num_* names)', () => {
    expect(parseCaptionConfig({ decoder: { n_head: 12, n_embd: 768 } }, {}, tokenizer)).toMatchObject({ kvHeads: 12, headDim: 64 });
    expect(parseCaptionConfig({ decoder: { num_attention_heads: 4, hidden_size: 128 } }, {}, tokenizer)).toMatchObject({ kvHeads: 4, headDim: 32 });
  });
});

const tensor = (name: string, type: string, shape: (number | string)[]): ValueMetadata => ({ name, isTensor: true, type, shape });
const kv = (name: string) => tensor(name, 'float32', ['batch', 4, 'past', 32]);

describe('describeCaptionDecoder', () => {
  const base = [tensor('input_ids', 'int64', ['batch', 'seq']), tensor('encoder_hidden_states', 'float32', ['batch', 16, 128])];
  const logits = tensor('logits', 'float32', ['batch', 'seq', 48]);

  it('reads a GPT-2 style merged decoder', () => {
    const signature = describeCaptionDecoder({
      inputs: [...base, kv('past_key_values.0.key'), kv('past_key_values.0.value'), tensor('use_cache_branch', 'bool', [1])],
      outputs: [logits, kv('present.0.key'), kv('present.0.value')],
    });
    expect(signature).toMatchObject({ useCacheBranch: true, kvHeads: 4, headDim: 32, crossLayers: [], encoderAttentionMask: null });
    expect(signature.layers).toHaveLength(1);
  });

  it('reads a seq2seq merged decoder that caches cross-attention', () => {
    const signature = describeCaptionDecoder({
      inputs: [
        ...base,
        ...['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((n) => kv(`past_key_values.0.${n}`)),
        tensor('encoder_attention_mask', 'int64', ['batch', 16]),
        tensor('use_cache_branch', 'bool', [1]),
      ],
      outputs: [logits, ...['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((n) => kv(`present.0.${n}`))],
    });
    expect(signature.layers[0]).toMatchObject({ pastKey: 'past_key_values.0.decoder.key', presentValue: 'present.0.decoder.value' });
    expect(signature.crossLayers[0]).toMatchObject({ pastKey: 'past_key_values.0.encoder.key', presentKey: 'present.0.encoder.key' });
    expect(signature.encoderAttentionMask).toBe('int64');
  });

  it('refuses graphs it cannot feed, naming what is wrong', () => {
    expect(() => describeCaptionDecoder({ inputs: [base[0]], outputs: [logits] })).toThrow(/encoder_hidden_states/);
    expect(() => describeCaptionDecoder({ inputs: [...base, kv('past_key_values.0.key')], outputs: [logits, kv('present.0.key')] })).toThrow(/layer 0/);
    expect(() =>
      describeCaptionDecoder({
        inputs: [...base, ...['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((n) => kv(`past_key_values.0.${n}`))],
        outputs: [logits, ...['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((n) => kv(`present.0.${n}`))],
      }),
    ).toThrow(/use_cache_branch/);
    expect(() => describeCaptionDecoder({ inputs: [...base, tensor('pixel_mask', 'int64', ['batch'])], outputs: [logits] })).toThrow(/pixel_mask/);
    expect(() => describeCaptionDecoder({ inputs: base, outputs: [tensor('scores', 'float32', [1])] })).toThrow(/logits/);
  });
});

describe('validateCaptionRequest', () => {
  it('accepts the sampling subset and refuses prompts, chats and out-of-range values', () => {
    expect(() => validateCaptionRequest({ maxTokens: 5, temperature: 0.7, topK: 3, seed: 1, stop: ['.'] })).not.toThrow();
    for (const bad of [{ maxTokens: 0 }, { maxTokens: 1.5 }, { temperature: -0.1 }, { topP: 0 }, { topLogprobs: 21 }, { prompt: 'x' }, { messages: [] }]) {
      expect(() => validateCaptionRequest(bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
    // The start token takes one position of the decoder's context.
    expect(() => validateCaptionRequest({ maxTokens: 31 }, 32)).not.toThrow();
    expect(() => validateCaptionRequest({ maxTokens: 32 }, 32)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
