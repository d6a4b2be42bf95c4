/**
 * Vocabulary-sized numeric helpers shared by the processors, the sampler and the
 * logprobs: each pass is O(vocab) so a 150k-token vocabulary stays cheap per step.
 */

/** log(sum(exp(x))) over the finite entries; -Infinity when there are none. */
export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i += 1) if (logits[i] > max) max = logits[i];
  if (max === -Infinity || Number.isNaN(max)) return -Infinity;
  let sum = 0;
  for (let i = 0; i < logits.length; i += 1) {
    const v = logits[i];
    if (v > -Infinity) sum += Math.exp(v - max);
  }
  return max + Math.log(sum);
}

/** Index of the largest entry, the lowest index on ties; -1 when nothing is finite. */
export function argmax(logits: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i += 1) {
    if (logits[i] > bestValue) {
      bestValue = logits[i];
      best = i;
    }
  }
  return best;
}

/**
 * The k-th largest value (k from 1) by quickselect on a copy, O(n) on average:
 * top-k and the top-N searches need a threshold, not a full sort.
 */
export function kthLargest(values: Float32Array, k: number): number {
  const a = Float32Array.from(values);
  const target = Math.min(Math.max(k, 1), a.length) - 1;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i += 1;
      while (a[j] < pivot) j -= 1;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i += 1;
        j -= 1;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/** Indices of the n largest finite entries, largest first, lower index first on ties. */
export function largestIndices(values: Float32Array, n: number): number[] {
  if (n <= 0) return [];
  const threshold = kthLargest(values, n);
  const picked: number[] = [];
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (v >= threshold && v > -Infinity) picked.push(i);
  }
  picked.sort((a, b) => values[b] - values[a] || a - b);
  return picked.slice(0, n);
}
