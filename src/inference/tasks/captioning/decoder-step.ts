/**
 * One forward pass of a caption decoder over a batch of rows that all hold the same number
 * of tokens (captions of one batch start together from the decoder start token, and rows
 * that finish leave the batch rather than being padded), so no attention mask is needed.
 */
import { Tensor } from 'onnxruntime-node';
import type { OnnxRunner } from '../../types.js';
import { KvCache, mergeRows } from '../../generation/kv-cache.js';
import type { IntType, LayerNames } from '../../generation/signature.js';
import type { CaptionDecoderSignature } from './signature.js';

export interface StepInput {
  /** Per row, the tokens the graph reads this step: the new one, or all of them without a cache. */
  tokens: number[][];
  /** [batch, positions, width] from the encoder, rows in the same order. */
  encoderStates: Tensor;
  past: KvCache | null;
  /** Cached cross-attention keys/values (seq2seq decoders), null on the first step. */
  crossPast: KvCache | null;
  signal?: AbortSignal;
}

export interface StepOutput {
  /** batch * vocab: each row's logits at its last position. */
  logits: Float32Array;
  vocab: number;
  present: KvCache | null;
  /** The cross-attention cache the first step computed (null otherwise, or without one). */
  crossPresent: KvCache | null;
}

function intTensor(type: IntType, values: number[], dims: number[]): Tensor {
  if (type === 'int32') return new Tensor('int32', Int32Array.from(values), dims);
  return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

export class CaptionDecoder {
  private readonly fetches: string[];

  constructor(
    private readonly runner: OnnxRunner,
    readonly signature: CaptionDecoderSignature,
    private readonly geometry: { kvHeads: number; headDim: number },
  ) {
    this.fetches = [signature.logits, ...[...signature.layers, ...signature.crossLayers].flatMap((l) => [l.presentKey, l.presentValue])];
  }

  get cached(): boolean {
    return this.signature.layers.length > 0;
  }

  emptyCache(batch: number): KvCache | null {
    if (!this.cached) return null;
    return KvCache.empty(batch, { layers: this.signature.layers.length, ...this.geometry, kvType: this.signature.kvType });
  }

  get crossCached(): boolean {
    return this.signature.crossLayers.length > 0;
  }

  async forward(input: StepInput): Promise<StepOutput> {
    const s = this.signature;
    const batch = input.tokens.length;
    const width = input.tokens[0].length;
    const feeds: Record<string, Tensor> = {
      input_ids: intTensor(s.inputIds, input.tokens.flat(), [batch, width]),
      [s.encoderHiddenStates]: input.encoderStates,
    };
    if (s.encoderAttentionMask) {
      const positions = input.encoderStates.dims[1];
      feeds.encoder_attention_mask = intTensor(s.encoderAttentionMask, new Array<number>(batch * positions).fill(1), [batch, positions]);
    }
    const past = input.past;
    if (s.useCacheBranch) feeds.use_cache_branch = new Tensor('bool', Uint8Array.of(past && past.length > 0 ? 1 : 0), [1]);
    const feedCache = (layers: LayerNames[], cache: KvCache) =>
      layers.forEach((names, i) => {
        feeds[names.pastKey] = cache.layers[i].key;
        feeds[names.pastValue] = cache.layers[i].value;
      });
    if (past) feedCache(s.layers, past);
    // The first step's cross-attention past is empty: that branch computes it from the encoder.
    const crossPast = this.crossCached ? (input.crossPast ?? this.emptyCache(batch)!) : null;
    if (crossPast) feedCache(s.crossLayers, crossPast);
    const out = await this.runner.run(feeds, input.signal);
    const logitsTensor = out[s.logits];
    const [, positions, vocab] = logitsTensor.dims;
    const data = logitsTensor.data as Float32Array;
    const logits = new Float32Array(batch * vocab);
    for (let r = 0; r < batch; r += 1) {
      const from = (r * positions + positions - 1) * vocab;
      logits.set(data.subarray(from, from + vocab), r * vocab);
    }
    const present = past
      ? new KvCache(
          s.layers.map((names) => ({ key: out[names.presentKey], value: out[names.presentValue] })),
          batch,
          past.length + width,
        )
      : null;
    const crossPresent =
      this.crossCached && !input.crossPast
        ? new KvCache(
            s.crossLayers.map((names) => ({ key: out[names.presentKey], value: out[names.presentValue] })),
            batch,
            input.encoderStates.dims[1],
          )
        : null;
    return { logits, vocab, present, crossPresent };
  }
}

/** The rows `keep` (indices into the batch) of a cache, in that order. */
export function keepCacheRows(cache: KvCache, keep: number[]): KvCache {
  return mergeRows(keep.map((row) => ({ cache, row, length: cache.length })));
}

/** The rows `keep` of a [batch, ...] float32 tensor. */
export function keepTensorRows(tensor: Tensor, keep: number[]): Tensor {
  const [batch, ...rest] = tensor.dims;
  const size = (tensor.data as Float32Array).length / batch;
  const data = tensor.data as Float32Array;
  const out = new Float32Array(keep.length * size);
  keep.forEach((row, i) => out.set(data.subarray(row * size, (row + 1) * size), i * size));
  return new Tensor('float32', out, [keep.length, ...rest]);
}
