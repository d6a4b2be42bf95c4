/** What a logits rule may look at: the tokens so far of the one sequence being processed. */
export interface LogitsContext {
  /** Every token id in the prompt or generated so far (repetition penalty looks at both). */
  readonly seen: ReadonlySet<number>;
  /** How often each token id was generated (not counting the prompt). */
  readonly generatedCounts: ReadonlyMap<number, number>;
}

/** One rule applied to one sequence's next-token logits, in place. */
export interface LogitsProcessor {
  apply(logits: Float32Array, context: LogitsContext): void;
}
