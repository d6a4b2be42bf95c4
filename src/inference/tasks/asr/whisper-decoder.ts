/**
 * A Whisper decoder in Hugging Face's ONNX layouts, stepped with its KV cache: either one
 * merged graph (decoder_model_merged.onnx, `use_cache_branch` picks the subgraph) or a
 * first-step graph (decoder_model.onnx) and a cached-step graph (decoder_with_past_model.onnx).
 * The cross-attention cache (`past_key_values.N.encoder.*`) is computed once, by the first
 * step, from the encoder's output; the self-attention cache grows by one position per token.
 */
import { Tensor } from 'onnxruntime-node';
import type { OnnxRunner } from '../../types.js';
import type { GraphMetadata } from '../../repository/signature.js';
import type { Json } from './model-files.js';

const PAST = /^past_key_values\.(\d+)\.(decoder|encoder)\.(key|value)$/;

export interface DecoderState {
  /** The cache to feed next, by past_key_values input name. */
  past: Record<string, Tensor>;
}

export interface DecoderGraphs {
  /** Runs the first step (no cache yet). */
  first: OnnxRunner;
  /** Runs later steps; the same runner as `first` for a merged graph. */
  next: OnnxRunner;
  merged: boolean;
}

interface CacheShape {
  pastNames: string[];
  heads: number;
  headDim: number;
  idsType: 'int64' | 'int32';
}

function cacheShape(metadata: GraphMetadata, config: Json): CacheShape {
  const pastNames = metadata.inputs.map((m) => m.name).filter((name) => PAST.test(name));
  if (pastNames.length === 0) throw new Error('the Whisper decoder has no past_key_values.N.{decoder,encoder}.{key,value} inputs');
  const shape = metadata.inputs.find((m) => m.name === pastNames[0])?.shape ?? [];
  const fixed = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : undefined);
  const heads = fixed(shape[1]) ?? (config.decoder_attention_heads as number | undefined);
  const model = config.d_model as number | undefined;
  const headDim = fixed(shape[3]) ?? (heads && model ? model / heads : undefined);
  if (!heads || !headDim) throw new Error('neither the decoder graph nor config.json gives the attention head count and size');
  const ids = metadata.inputs.find((m) => m.name === 'input_ids');
  if (!ids) throw new Error('the Whisper decoder has no input_ids input');
  return { pastNames, heads, headDim, idsType: ids.type === 'int32' ? 'int32' : 'int64' };
}

export class WhisperDecoder {
  private readonly shape: CacheShape;

  constructor(
    private readonly graphs: DecoderGraphs,
    metadata: GraphMetadata,
    config: Json,
  ) {
    this.shape = cacheShape(metadata, config);
    const known = new Set(['input_ids', 'encoder_hidden_states', 'use_cache_branch', ...this.shape.pastNames]);
    for (const runner of [graphs.first, graphs.next]) {
      const unknown = runner.inputNames.filter((name) => !known.has(name));
      if (unknown.length > 0) throw new Error(`the Whisper decoder has inputs this engine cannot feed: ${unknown.join(', ')}`);
    }
  }

  private ids(tokens: readonly number[]): Tensor {
    return this.shape.idsType === 'int64'
      ? new Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [1, tokens.length])
      : new Tensor('int32', Int32Array.from(tokens), [1, tokens.length]);
  }

  /**
   * Runs `tokens` (the prompt, or one new token) and returns the logits of the last
   * position and the cache for the next step. `state` is null for the first step.
   */
  async step(
    tokens: readonly number[],
    encoderHidden: Tensor,
    state: DecoderState | null,
    signal: AbortSignal,
  ): Promise<{ logits: Float32Array; state: DecoderState }> {
    const runner = state ? this.graphs.next : this.graphs.first;
    const feeds: Record<string, Tensor> = { input_ids: this.ids(tokens) };
    if (runner.inputNames.includes('encoder_hidden_states')) feeds.encoder_hidden_states = encoderHidden;
    if (runner.inputNames.includes('use_cache_branch')) feeds.use_cache_branch = new Tensor('bool', Uint8Array.of(state ? 1 : 0), [1]);
    if (state) Object.assign(feeds, state.past);
    else if (this.graphs.merged) {
      const empty = new Float32Array(0);
      for (const name of this.shape.pastNames) feeds[name] = new Tensor('float32', empty, [1, this.shape.heads, 0, this.shape.headDim]);
    }
    const outputs = await runner.run(feeds, signal);
    const logits = outputs.logits;
    const [, length, vocab] = logits.dims;
    const last = (logits.data as Float32Array).slice((length - 1) * vocab, length * vocab);
    const past: Record<string, Tensor> = {};
    for (const name of this.shape.pastNames) {
      const [, layer, side, kind] = PAST.exec(name)!;
      const present = outputs[`present.${layer}.${side}.${kind}`];
      // The cross-attention cache never changes: later steps either echo it or leave it out.
      past[name] = side === 'encoder' && state ? state.past[name] : present;
      if (!past[name]) throw new Error(`the Whisper decoder gave no present.${layer}.${side}.${kind}`);
    }
    return { logits: last, state: { past } };
  }
}
