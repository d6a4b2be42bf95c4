/**
 * A compiled response format bound to one vocabulary: computes which tokens may come
 * next from an automaton configuration, and remembers the answer per state, since
 * states repeat (inside a free string, between array items, across requests).
 */
import { configComplete, configKey, configMinClose, dedupe, inRoomyString, isPlainStringChar, step, type Stack } from './automaton.js';
import type { ValueNode } from './schema.js';
import type { TokenTrie, TrieNode } from './token-trie.js';

export interface TokenMask {
  /** 1 where the token may come next. */
  allowed: Uint8Array;
  ids: Int32Array;
}

const MAX_CACHED_MASKS = 4096;

export class ConstraintGrammar {
  private readonly masks = new Map<string, TokenMask>();

  constructor(
    readonly root: ValueNode,
    readonly trie: TokenTrie,
    private readonly eosTokenIds: readonly number[],
  ) {}

  /**
   * Tokens allowed after `config`. With `closeWithin` set, only tokens that bring the
   * value closer to complete (fewer characters left) are allowed, so it closes in time.
   */
  mask(config: readonly Stack[], closeWithin: number | null): TokenMask {
    const key = `${closeWithin ?? ''}#${configKey(config)}`;
    let mask = this.masks.get(key);
    if (!mask) {
      mask = this.compute(config, closeWithin);
      if (this.masks.size >= MAX_CACHED_MASKS) this.masks.clear();
      this.masks.set(key, mask);
    }
    return mask;
  }

  private compute(config: readonly Stack[], closeWithin: number | null): TokenMask {
    const size = Math.max(this.trie.size, ...this.eosTokenIds.map((id) => id + 1));
    const allowed = new Uint8Array(size);
    const ids: number[] = [];
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
        if (child.tokens.length > 0 && (closeWithin === null || configMinClose(reached) < closeWithin)) {
          for (const id of child.tokens) {
            allowed[id] = 1;
            ids.push(id);
          }
        }
        visit(child, reached);
      }
    };
    visit(this.trie.root, config);
    if (configComplete(config)) {
      for (const id of this.eosTokenIds) {
        allowed[id] = 1;
        ids.push(id);
      }
    }
    return { allowed, ids: Int32Array.from(ids) };
  }
}
