/**
 * One row's constrained decoding: masks its logits to the tokens the schema allows next
 * and follows the tokens it picks. Each row of a batch owns one, so rows under different
 * schemas (or none) decode side by side.
 */
import { advance, configComplete, configMinClose, configOpen, initialStacks, type Stack } from './automaton.js';
import type { ConstraintGrammar } from './grammar.js';

/** Closing starts this many tokens before the shortest completion would no longer fit. */
const CLOSING_SLACK = 2;

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
   * Sets every token the schema forbids to -Infinity. `tokensLeft` counts this one; when
   * the shortest completion barely fits, only tokens that shorten it stay allowed.
   * `unprocessed` (the logits before top-k/top-p and the like) is the fallback when those
   * rules removed every allowed token, so a row is never left without a choice.
   */
  apply(logits: Float32Array, tokensLeft: number, unprocessed: Float32Array | null): void {
    const distance = configMinClose(this.config);
    let mask = this.grammar.mask(this.config, tokensLeft <= distance + CLOSING_SLACK ? distance : null);
    if (mask.ids.length === 0) mask = this.grammar.mask(this.config, null);
    const { allowed, ids } = mask;
    const n = Math.min(logits.length, allowed.length);
    for (let i = 0; i < n; i += 1) if (allowed[i] === 0) logits[i] = -Infinity;
    logits.fill(-Infinity, n);
    let finite = false;
    for (const id of ids) if (id < logits.length && logits[id] > -Infinity) finite = true;
    if (finite) return;
    for (const id of ids) if (id < logits.length) logits[id] = unprocessed && unprocessed[id] > -Infinity ? unprocessed[id] : 0;
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
