import { kthLargest } from '../logits-math.js';
import type { LogitsProcessor } from './types.js';

/** Keeps the k highest logits (ties with the k-th are kept too) and removes the rest. */
export class TopK implements LogitsProcessor {
  constructor(private readonly k: number) {}

  apply(logits: Float32Array): void {
    if (this.k >= logits.length) return;
    const threshold = kthLargest(logits, this.k);
    for (let i = 0; i < logits.length; i += 1) if (logits[i] < threshold) logits[i] = -Infinity;
  }
}
