/**
 * What config.json and generation_config.json say about a decoder: context length,
 * end-of-sequence ids, the default output length, and the cache geometry (layers, KV
 * heads, head size) under either naming family (GPT-2's n_* or the num_* of Llama,
 * Qwen, Phi and most newer models).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../../errors.js';

type Json = Record<string, unknown>;

export interface DecoderConfig {
  modelType: string | undefined;
  contextLength: number | undefined;
  eosTokenIds: number[];
  bosTokenId: number | undefined;
  /** generation_config's max_new_tokens. */
  maxNewTokens: number | undefined;
  /** generation_config's max_length: prompt and output together. */
  maxLength: number | undefined;
  layers: number | undefined;
  kvHeads: number | undefined;
  headDim: number | undefined;
}

async function readOptionalJson(file: string): Promise<Json> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Json;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new TesseraError('MODEL_LOAD_FAILED', `Cannot read ${path.basename(file)}: ${(error as Error).message}`);
  }
}

const num = (...values: unknown[]): number | undefined => {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  return undefined;
};

const ids = (value: unknown): number[] =>
  typeof value === 'number' ? [value] : Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];

export function parseDecoderConfig(config: Json, generation: Json): DecoderConfig {
  // Multimodal wrappers (e.g. Gemma 3, Qwen-VL) nest the language model's settings.
  const text = (config.text_config as Json | undefined) ?? config;
  const heads = num(text.num_attention_heads, text.n_head, text.num_heads);
  const hidden = num(text.hidden_size, text.n_embd, text.d_model);
  const explicitHeadDim = num(text.head_dim);
  return {
    modelType: typeof config.model_type === 'string' ? config.model_type : undefined,
    contextLength: num(text.max_position_embeddings, text.n_positions, text.n_ctx, text.max_seq_len, text.seq_length),
    eosTokenIds: [...new Set([...ids(generation.eos_token_id), ...ids(text.eos_token_id), ...ids(config.eos_token_id)])],
    bosTokenId: num(generation.bos_token_id, text.bos_token_id),
    maxNewTokens: num(generation.max_new_tokens),
    maxLength: num(generation.max_length),
    layers: num(text.num_hidden_layers, text.n_layer, text.num_layers),
    kvHeads: num(text.num_key_value_heads, text.multi_query ? 1 : undefined, heads),
    headDim: explicitHeadDim ?? (heads && hidden ? hidden / heads : undefined),
  };
}

export async function readDecoderConfig(dir: string): Promise<DecoderConfig> {
  const [config, generation] = await Promise.all([
    readOptionalJson(path.join(dir, 'config.json')),
    readOptionalJson(path.join(dir, 'generation_config.json')),
  ]);
  return parseDecoderConfig(config, generation);
}
