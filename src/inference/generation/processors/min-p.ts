import type { LogitsProcessor } from './types.js';

/** Removes tokens whose probability is below minP times the most likely token's. */
export class MinP implements LogitsProcessor {
  constructor(private readonly minP: number) {}

  apply(logits: Float32Array): void {
    if (this.minP <= 0) return;
    let max = -Infinity;
    for (let i = 0; i < logits.length; i += 1) if (logits[i] > max) max = logits[i];
    if (max === -Infinity) return;
    // p_i < minP * p_max  <=>  logit_i < max + ln(minP); no softmax needed.
    const threshold = max + Math.log(this.minP);
    for (let i = 0; i < logits.length; i += 1) if (logits[i] < threshold) logits[i] = -Infinity;
  }
}
