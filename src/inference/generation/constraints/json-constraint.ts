/**
 * One row's constrained decoding: masks its logits to the tokens the schema allows next
 * and follows the tokens it picks. Each row of a batch owns one, so rows under different
 * schemas (or none) decode side by side.
 */
import { advance, configComplete, configOpen, initialStacks, type Stack } from './automaton.js';
import { FORBIDDEN, type ConstraintGrammar } from './grammar.js';

export class JsonConstraint {
  private config: Stack[];
  private text = '';

  constructor(private readonly grammar: ConstraintGrammar) {
    this.config = initialStacks(grammar.root);
  }

  /** The value is complete JSON that validates (end-of-sequence is allowed). */
  get complete(): boolean {
    return configComplete(this.config);
  }

  /** Whether more characters may still follow. */
  get open(): boolean {
    return configOpen(this.config);
  }

  /**
   * Sets every token the schema forbids to -Infinity, and every token after which the
   * value could no longer close within the tokens left (`tokensLeft` counts this one).
   * `unprocessed` (the logits before top-k/top-p and the like) is the fallback when those
   * rules removed every allowed token, so a row is never left without a choice.
   */
  apply(logits: Float32Array, tokensLeft: number, unprocessed: Float32Array | null): void {
    const { closeAfter, minCloseAfter } = this.grammar.mask(this.config);
    // When even the shortest completion no longer fits, the row runs on to LENGTH.
    const limit = minCloseAfter <= tokensLeft - 1 ? tokensLeft - 1 : FORBIDDEN - 1;
    const n = Math.min(logits.length, closeAfter.length);
    let finite = false;
    for (let i = 0; i < n; i += 1) {
      if (closeAfter[i] > limit) logits[i] = -Infinity;
      else if (logits[i] > -Infinity) finite = true;
    }
    logits.fill(-Infinity, n);
    if (finite) return;
    for (let i = 0; i < n; i += 1) {
      if (closeAfter[i] <= limit) logits[i] = unprocessed && unprocessed[i] > -Infinity ? unprocessed[i] : 0;
    }
  }

  /** Follows a picked token (not end-of-sequence). */
  accept(tokenId: number): void {
    const piece = this.grammar.trie.texts[tokenId] ?? '';
    const next = piece ? advance(this.config, piece) : [];
    // The mask only offers tokens with a next state; reaching none is a bug, not an input.
    if (next.length === 0) throw new Error(`token ${tokenId} (${JSON.stringify(piece)}) does not continue the constrained output`);
    this.config = next;
    this.text += piece;
  }

  /** The parsed value, once complete. */
  value(): unknown {
    return JSON.parse(this.text);
  }
}
