/**
 * One forward pass of a decoder graph over a batch: builds the feeds the graph's
 * signature asks for, runs the session, and returns each row's last-position logits
 * and the new cache. It holds no state between calls; the decode loop owns the cache.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { TesseraError } from '../../errors.js';
import { KvCache } from './kv-cache.js';
import type { DecoderSignature, IntType } from './signature.js';
import type { TokenEmbedder } from './token-embedder.js';

export interface ForwardInput {
  batch: number;
  /** New tokens per row; every row has the same count. */
  seqLen: number;
  /** batch * seqLen token ids, row-major. */
  tokens: ArrayLike<number>;
  /** batch * seqLen position ids: each token's index within its own sequence (any value on padding). */
  positions: ArrayLike<number>;
  /**
   * Per row, how many of the last positions (cache and new tokens together) are real;
   * everything before them is left padding that the attention mask hides.
   */
  validLengths: ArrayLike<number>;
  past: KvCache;
  /** Per row, image features for its image placeholder tokens (prefill of a vision-language prompt). */
  imageFeatures?: readonly (Float32Array | undefined)[];
}

export interface ForwardOutput {
  /** batch * vocab: each row's logits at its last new token. */
  logits: Float32Array;
  vocab: number;
  present: KvCache;
}

function intTensor(type: IntType, values: ArrayLike<number>, dims: number[]): Tensor {
  if (type === 'int32') return new Tensor('int32', Int32Array.from(values), dims);
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i += 1) data[i] = BigInt(values[i]);
  return new Tensor('int64', data, dims);
}

/** IEEE half to single precision, for graphs whose logits are float16. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

export class DecoderModel {
  private readonly fetches: string[];

  constructor(
    private readonly session: InferenceSession,
    readonly signature: DecoderSignature,
    /** Required when the graph takes inputs_embeds. */
    private readonly embedder?: TokenEmbedder,
  ) {
    if (signature.inputsEmbeds && !embedder) throw new TesseraError('MODEL_LOAD_FAILED', 'The decoder takes inputs_embeds but the model has no token embedding graph.');
    this.fetches = [signature.logits, ...signature.layers.flatMap((l) => [l.presentKey, l.presentValue])];
  }

  emptyCache(batch: number): KvCache {
    const s = this.signature;
    return KvCache.empty(batch, { layers: s.layers.length, kvHeads: s.kvHeads, headDim: s.headDim, kvType: s.kvType });
  }

  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const s = this.signature;
    const { batch, seqLen, past } = input;
    const total = past.length + seqLen;
    const feeds: Record<string, Tensor> = s.inputIds
      ? { input_ids: intTensor(s.inputIds, input.tokens, [batch, seqLen]) }
      : { inputs_embeds: await this.embedder!.embed(input.tokens, batch, seqLen, input.imageFeatures) };
    if (s.attentionMask) {
      const mask = s.attentionMask === 'int32' ? new Int32Array(batch * total) : new BigInt64Array(batch * total);
      for (let r = 0; r < batch; r += 1) {
        const padding = total - input.validLengths[r];
        if (mask instanceof Int32Array) mask.fill(1, r * total + padding, (r + 1) * total);
        else mask.fill(1n, r * total + padding, (r + 1) * total);
      }
      feeds.attention_mask = new Tensor(s.attentionMask, mask, [batch, total]);
    }
    if (s.positionIds) feeds.position_ids = intTensor(s.positionIds, input.positions, [batch, seqLen]);
    if (s.cachePosition) {
      feeds.cache_position = intTensor(s.cachePosition, Array.from({ length: seqLen }, (_, i) => past.length + i), [seqLen]);
    }
    if (s.logitsToKeep) feeds[s.logitsToKeep.name] = intTensor(s.logitsToKeep.type, [1], s.logitsToKeep.scalar ? [] : [1]);
    if (s.useCacheBranch) feeds.use_cache_branch = new Tensor('bool', Uint8Array.of(past.length > 0 ? 1 : 0), [1]);
    s.layers.forEach((names, i) => {
      feeds[names.pastKey] = past.layers[i].key;
      feeds[names.pastValue] = past.layers[i].value;
    });

    const out = await this.session.run(feeds, this.fetches);
    for (const [name, tensor] of Object.entries(feeds)) if (!name.startsWith('past_key_values.')) tensor.dispose();

    const logitsTensor = out[s.logits];
    const [, positions, vocab] = logitsTensor.dims;
    const data = logitsTensor.data as Float32Array | Uint16Array;
    // A decode step's float32 logits are already one row per sequence: hand them over
    // as they are (disposing a CPU tensor only drops its reference to this buffer).
    if (positions === 1 && data instanceof Float32Array) {
      logitsTensor.dispose();
      return { logits: data, vocab, present: this.presentCache(out, batch, total) };
    }
    const logits = new Float32Array(batch * vocab);
    for (let r = 0; r < batch; r += 1) {
      const from = (r * positions + positions - 1) * vocab;
      if (data instanceof Uint16Array) {
        for (let v = 0; v < vocab; v += 1) logits[r * vocab + v] = halfToFloat(data[from + v]);
      } else {
        logits.set(data.subarray(from, from + vocab), r * vocab);
      }
    }
    logitsTensor.dispose();
    return { logits, vocab, present: this.presentCache(out, batch, total) };
  }

  /** The graph's present tensors become the next step's past as they are, never copied. */
  private presentCache(out: InferenceSession.OnnxValueMapType, batch: number, total: number): KvCache {
    return new KvCache(
      this.signature.layers.map((names) => ({ key: out[names.presentKey] as Tensor, value: out[names.presentValue] as Tensor })),
      batch,
      total,
    );
  }
}
