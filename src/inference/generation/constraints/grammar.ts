/**
 * A compiled response format bound to one vocabulary: computes which tokens may come
 * next from an automaton configuration, and remembers the answer per state, since
 * states repeat (inside a free string, between array items, across requests).
 */
import { configComplete, configKey, configMinClose, dedupe, inRoomyString, isPlainStringChar, step, stringRoom, type Stack } from './automaton.js';
import type { ValueNode } from './schema.js';
import type { TokenTrie, TrieNode } from './token-trie.js';

/** Marks a token that cannot come next in `TokenMask.closeAfter`. */
export const FORBIDDEN = 0xffff;

export interface TokenMask {
  /**
   * Per token: the fewest characters that would complete the value after it (capped
   * below FORBIDDEN), or FORBIDDEN. A row with k tokens left may pick a token only if at
   * most k - 1 characters remain after it, which is how values close before maxTokens.
   */
  closeAfter: Uint16Array;
  /** The smallest entry: when even that does not fit the tokens left, nothing can. */
  minCloseAfter: number;
}

/**
 * Masks of every grammar of one model, within a memory budget: a mask is a byte per
 * vocabulary entry (50 KB for GPT-2), so a count limit alone would not bound it. When
 * full it starts over; the states that matter come back within a few steps.
 */
export class MaskCache {
  private readonly masks = new Map<string, TokenMask>();
  private bytes = 0;

  constructor(private readonly budgetBytes = 64 * 1024 * 1024) {}

  get(key: string): TokenMask | undefined {
    return this.masks.get(key);
  }

  set(key: string, mask: TokenMask): void {
    if (this.bytes + mask.closeAfter.byteLength > this.budgetBytes) {
      this.masks.clear();
      this.bytes = 0;
    }
    this.masks.set(key, mask);
    this.bytes += mask.closeAfter.byteLength;
  }
}

let lastGrammarId = 0;

export class ConstraintGrammar {
  private readonly id = (lastGrammarId += 1);

  constructor(
    readonly root: ValueNode,
    readonly trie: TokenTrie,
    private readonly eosTokenIds: readonly number[],
    private readonly cache: MaskCache,
  ) {}

  /** The tokens allowed after `config`, with what each leaves to close. */
  mask(config: readonly Stack[]): TokenMask {
    const key = `${this.id}#${configKey(config)}`;
    let mask = this.cache.get(key);
    if (!mask) {
      mask = this.compute(config);
      this.cache.set(key, mask);
    }
    return mask;
  }

  private compute(config: readonly Stack[]): TokenMask {
    const size = Math.max(this.trie.size, ...this.eosTokenIds.map((id) => id + 1));
    const closeAfter = new Uint16Array(size).fill(FORBIDDEN);
    let minCloseAfter: number = FORBIDDEN;
    const allow = (id: number, close: number) => {
      closeAfter[id] = Math.min(close, FORBIDDEN - 1);
      minCloseAfter = Math.min(minCloseAfter, closeAfter[id]);
    };
    const visit = (node: TrieNode, current: readonly Stack[]) => {
      const roomy = current.length === 1 && inRoomyString(current[0]);
      for (const [ch, child] of node.children) {
        let reached: readonly Stack[];
        if (roomy && isPlainStringChar(ch)) {
          reached = current;
        } else {
          const next: Stack[] = [];
          for (const s of current) step(s, ch, next);
          if (next.length === 0) continue;
          reached = next.length > 1 ? dedupe(next) : next;
        }
        if (child.tokens.length > 0) {
          const close = configMinClose(reached);
          for (const id of child.tokens) allow(id, close);
        }
        visit(child, reached);
      }
    };
    // Inside a string, plain tokens that fit are allowed wholesale (they leave the string
    // as far from closed as it was); only tokens with a quote, a backslash or a control
    // character need the walk.
    const room = config.length === 1 ? stringRoom(config[0]) : null;
    if (room === null) {
      visit(this.trie.root, config);
    } else {
      const { plainIds, plainLengths } = this.trie;
      const close = configMinClose(config);
      for (let i = 0; i < plainIds.length && plainLengths[i] <= room; i += 1) allow(plainIds[i], close);
      visit(this.trie.special, config);
    }
    if (configComplete(config)) for (const id of this.eosTokenIds) allow(id, 0);
    return { closeAfter, minCloseAfter };
  }
}
