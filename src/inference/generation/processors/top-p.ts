import { kthLargest, logSumExp } from '../logits-math.js';
import type { LogitsProcessor } from './types.js';

/**
 * Nucleus filtering: keeps the most likely tokens, in order, until their probability
 * mass reaches p (the token that crosses p is kept), and removes the rest.
 */
export class TopP implements LogitsProcessor {
  constructor(private readonly p: number) {}

  apply(logits: Float32Array): void {
    if (this.p >= 1) return;
    const lse = logSumExp(logits);
    if (lse === -Infinity) return;
    let finite = 0;
    for (let i = 0; i < logits.length; i += 1) if (logits[i] > -Infinity) finite += 1;
    // Real distributions put most mass on few tokens, so look at the top 64 first and
    // widen only when they do not reach p, instead of sorting the whole vocabulary.
    for (let window = 64; ; window *= 8) {
      const size = Math.min(window, finite);
      const threshold = kthLargest(logits, size);
      const top: number[] = [];
      for (let i = 0; i < logits.length; i += 1) if (logits[i] >= threshold && logits[i] > -Infinity) top.push(i);
      top.sort((a, b) => logits[b] - logits[a] || a - b);
      let mass = 0;
      let keep = -1;
      for (let r = 0; r < top.length; r += 1) {
        mass += Math.exp(logits[top[r]] - lse);
        if (mass >= this.p) {
          keep = r + 1;
          break;
        }
      }
      if (keep === -1 && size < finite) continue;
      // Rounding can leave the total a hair under p: then everything finite stays.
      if (keep === -1) return;
      const kept = new Set(top.slice(0, keep));
      for (let i = 0; i < logits.length; i += 1) if (!kept.has(i)) logits[i] = -Infinity;
      return;
    }
  }
}
