import type { LogitsContext, LogitsProcessor } from './types.js';

/**
 * Makes tokens already present (prompt or output) less likely: a positive logit is
 * divided by the penalty and a negative one multiplied, so the push is always downwards
 * for penalty > 1 (upwards below 1).
 */
export class RepetitionPenalty implements LogitsProcessor {
  constructor(private readonly penalty: number) {}

  apply(logits: Float32Array, context: LogitsContext): void {
    for (const id of context.seen) {
      if (id < 0 || id >= logits.length) continue;
      const v = logits[id];
      logits[id] = v > 0 ? v / this.penalty : v * this.penalty;
    }
  }
}
