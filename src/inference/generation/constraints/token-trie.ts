/**
 * The vocabulary as a trie of each token's text, built once per tokenizer. Walking it
 * against an automaton state visits a shared prefix once for all the tokens that start
 * with it, which is what makes a vocabulary-wide mask cheap. Tokens made only of
 * characters a JSON string takes as they are (most of a vocabulary) are also kept apart,
 * sorted by length: inside a string they are allowed wholesale, up to the room left.
 */
import { isPlainStringChar } from './automaton.js';

export interface TrieNode {
  children: Map<string, TrieNode>;
  tokens: number[];
}

export interface TokenTrie {
  root: TrieNode;
  /** The tokens with a quote, a backslash or a control character in them. */
  special: TrieNode;
  /** Ids of the other tokens, shortest first, and their lengths in characters. */
  plainIds: Int32Array;
  plainLengths: Int32Array;
  /** Ids past the last token: the size of a mask. */
  size: number;
  /** Each id's text ('' for tokens the constraint never picks). */
  texts: string[];
}

const newNode = (): TrieNode => ({ children: new Map(), tokens: [] });

function insert(root: TrieNode, chars: string[], id: number): void {
  let node = root;
  for (const ch of chars) {
    let child = node.children.get(ch);
    if (!child) node.children.set(ch, (child = newNode()));
    node = child;
  }
  node.tokens.push(id);
}

/**
 * `textOf` gives a token's decoded text. Tokens without text (special tokens) and tokens
 * that end inside a multi-byte character (U+FFFD) are left out: a constrained output is
 * built from whole characters only. So are tokens longer than `maxChars` (runs of spaces or
 * dashes in large vocabularies), which lets the automaton treat long stretches of room alike.
 */
export function buildTokenTrie(size: number, textOf: (id: number) => string, maxChars: number): TokenTrie {
  const root = newNode();
  const special = newNode();
  const plain: { id: number; length: number }[] = [];
  const texts: string[] = new Array<string>(size).fill('');
  for (let id = 0; id < size; id += 1) {
    const text = textOf(id);
    if (text.length === 0 || text.length > maxChars || text.includes('\uFFFD')) continue;
    texts[id] = text;
    const chars = [...text];
    insert(root, chars, id);
    if (chars.every(isPlainStringChar)) plain.push({ id, length: chars.length });
    else insert(special, chars, id);
  }
  plain.sort((a, b) => a.length - b.length);
  return {
    root,
    special,
    plainIds: Int32Array.from(plain, (p) => p.id),
    plainLengths: Int32Array.from(plain, (p) => p.length),
    size,
    texts,
  };
}
