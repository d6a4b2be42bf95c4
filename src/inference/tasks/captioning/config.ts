/**
 * What a vision-encoder-decoder folder's config.json and generation_config.json say about
 * decoding: the token the decoder starts from, the tokens that end a caption, how long a
 * caption may be, and the decoder's cache geometry (for graphs that leave it symbolic).
 */
import { parseDecoderConfig } from '../../generation/model-config.js';
import type { TextTokenizer } from '../../generation/tokenizer.js';
import type { Json } from '../vision/model-files.js';

/** Transformers' default `max_length` when neither config sets one. */
const HF_DEFAULT_MAX_LENGTH = 20;

export interface CaptionConfig {
  decoderStartTokenId: number;
  eosTokenIds: number[];
  /** Decoder positions available: the start token plus everything generated. */
  contextLength: number;
  /** Tokens generated when a request sets no maxTokens. */
  defaultMaxTokens: number;
  kvHeads: number | undefined;
  headDim: number | undefined;
}

const int = (...values: unknown[]): number | undefined => {
  for (const v of values) if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return undefined;
};

const ids = (value: unknown): number[] =>
  typeof value === 'number' ? [value] : Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];

export function parseCaptionConfig(config: Json, generation: Json, tokenizer: Pick<TextTokenizer, 'bosTokenId' | 'eosTokenId'>): CaptionConfig {
  const decoder = (config.decoder as Json | undefined) ?? {};
  const parsed = parseDecoderConfig(decoder, generation);
  // VisionEncoderDecoderModel reads decoder_start_token_id from the generation config, then
  // the top-level config, then the decoder's own; GPT-2-style decoders only have a bos token.
  const decoderStartTokenId = int(
    generation.decoder_start_token_id,
    config.decoder_start_token_id,
    decoder.decoder_start_token_id,
    generation.bos_token_id,
    decoder.bos_token_id,
    tokenizer.bosTokenId,
  );
  if (decoderStartTokenId === undefined) {
    throw new Error('neither generation_config.json, config.json nor the tokenizer gives a decoder_start_token_id');
  }
  const eosTokenIds = [...new Set([...ids(generation.eos_token_id), ...ids(config.eos_token_id), ...parsed.eosTokenIds])];
  if (tokenizer.eosTokenId !== undefined && !eosTokenIds.includes(tokenizer.eosTokenId)) eosTokenIds.push(tokenizer.eosTokenId);
  const maxLength = int(generation.max_length, config.max_length) ?? HF_DEFAULT_MAX_LENGTH;
  const contextLength = parsed.contextLength ?? Math.max(maxLength, 2);
  const wanted = int(generation.max_new_tokens) ?? maxLength - 1;
  return {
    decoderStartTokenId,
    eosTokenIds,
    contextLength,
    defaultMaxTokens: Math.max(1, Math.min(wanted, contextLength - 1)),
    kvHeads: parsed.kvHeads,
    headDim: parsed.headDim,
  };
}
