/** Small numeric helpers shared by the vision and embedding tasks. */
import { TesseraError } from '../../../errors.js';
import type { ScoredLabel } from '../../types.js';

/**
 * A NaN or infinite output means broken weights or a broken graph, never an answer: the
 * request fails with INFERENCE_FAILED rather than storing numbers no client can read back.
 */
export function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new TesseraError('INFERENCE_FAILED', `The model produced a non-finite ${what} (${values[i]}); its weights may be corrupt.`);
    }
  }
}

export function softmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

export function sigmoid(logits: ArrayLike<number>): Float32Array {
  return Float32Array.from(logits, (x) => 1 / (1 + Math.exp(-x)));
}

export function l2Normalize(vector: Float32Array): Float32Array {
  assertFinite(vector, 'embedding');
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm === 0) return vector;
  return vector.map((v) => v / norm);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Labels with their scores, highest first; ties keep label order. */
export function ranked(labels: readonly string[], scores: ArrayLike<number>, topK = labels.length): ScoredLabel[] {
  assertFinite(scores, 'score');
  return labels
    .map((label, i) => ({ label, score: scores[i] }))
    .sort((a, b) => b.score - a.score)
    .slice(0, topK);
}

/** Row `index` of a [rows, width] buffer, copied so it outlives the batch. */
export function row(data: Float32Array, index: number, width: number): Float32Array {
  return data.slice(index * width, (index + 1) * width);
}
