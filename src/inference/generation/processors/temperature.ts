import type { LogitsProcessor } from './types.js';

/** Sharpens (< 1) or flattens (> 1) the distribution; only used when sampling (temperature > 0). */
export class Temperature implements LogitsProcessor {
  constructor(private readonly temperature: number) {}

  apply(logits: Float32Array): void {
    const inverse = 1 / this.temperature;
    for (let i = 0; i < logits.length; i += 1) logits[i] *= inverse;
  }
}
