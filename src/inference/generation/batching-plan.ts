/**
 * Continuous-batching settings for a decoder LM, chosen from the model and the machine
 * (`models pull` writes them into model.json): a pulled model should serve concurrent
 * streams together out of the box, and only as many rows as the KV cache of full-context
 * rows leaves room for in memory.
 */
import type { DecoderConfig } from './model-config.js';

export interface LmFacts {
  /** The decoder graph's input names. */
  inputNames: readonly string[];
  config: DecoderConfig;
  /** Bytes of the pulled files: the weights the server holds in memory besides the cache. */
  weightBytes: number;
  totalMemoryBytes: number;
}

export interface LmBatchingPlan {
  batching: { maxBatchSize: number; maxQueue: number };
  /** Set when every request runs alone, saying why. */
  unbatchedReason?: string;
  /** The KV cache one token of one row holds, at float32 (layers × KV heads × head size × key and value × 4 bytes). */
  kvBytesPerToken?: number;
}

/**
 * Rows per step at most. Every row shares one read of the weights, so throughput keeps rising
 * with rows until the step is compute-bound (a 124M decoder on 2 CPU cores: 195 tok/s at 8
 * rows, 365 at 32); beyond 32, each stream's own pace (one token per step) slows more than
 * the total gains.
 */
export const MAX_PULLED_BATCH = 32;
/** The share of the machine's memory the weights and the cache of full rows may take together. */
export const MEMORY_SHARE = 0.5;
/** Requests that may wait, in batches' worth: more would wait minutes instead of hearing OVERLOADED. */
const QUEUED_BATCHES = 4;
/** When config.json does not say, the length a row's cache is sized for. */
const ASSUMED_CONTEXT = 2048;

const megabytes = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

export function planLmBatching(facts: LmFacts): LmBatchingPlan {
  const alone = (unbatchedReason: string, kvBytesPerToken?: number): LmBatchingPlan => ({
    batching: { maxBatchSize: 1, maxQueue: QUEUED_BATCHES * 4 },
    unbatchedReason,
    kvBytesPerToken,
  });
  const missing = ['attention_mask', 'position_ids'].filter((name) => !facts.inputNames.includes(name));
  if (missing.length > 0) {
    return alone(`the graph has no ${missing.join(' or ')} input, so rows of different lengths cannot share a step; every request runs alone`);
  }
  const { layers, kvHeads, headDim } = facts.config;
  if (!layers || !kvHeads || !headDim) {
    return alone('config.json does not give the layer count, KV heads and head size, so the KV cache of a row cannot be sized');
  }
  const kvBytesPerToken = layers * kvHeads * headDim * 2 * 4;
  const rowBytes = kvBytesPerToken * (facts.config.contextLength ?? ASSUMED_CONTEXT);
  const room = facts.totalMemoryBytes * MEMORY_SHARE - facts.weightBytes;
  const rows = Math.min(MAX_PULLED_BATCH, Math.floor(room / rowBytes));
  if (rows < 2) {
    return alone(
      `two full-context rows need ${megabytes(2 * rowBytes)} of KV cache beside ${megabytes(facts.weightBytes)} of weights, more than half of this machine's ${megabytes(facts.totalMemoryBytes)}`,
      kvBytesPerToken,
    );
  }
  return { batching: { maxBatchSize: rows, maxQueue: QUEUED_BATCHES * rows }, kvBytesPerToken };
}
