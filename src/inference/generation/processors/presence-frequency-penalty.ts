import type { LogitsContext, LogitsProcessor } from './types.js';

/**
 * Additive penalties on generated tokens only: `presence` once for any token that
 * appeared, `frequency` times its count.
 */
export class PresenceFrequencyPenalty implements LogitsProcessor {
  constructor(
    private readonly presence: number,
    private readonly frequency: number,
  ) {}

  apply(logits: Float32Array, context: LogitsContext): void {
    for (const [id, count] of context.generatedCounts) {
      if (id < 0 || id >= logits.length || count <= 0) continue;
      logits[id] -= this.presence + this.frequency * count;
    }
  }
}
