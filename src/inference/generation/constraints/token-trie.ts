/**
 * The vocabulary as a trie of each token's text, built once per tokenizer. Walking it
 * against an automaton state visits a shared prefix once for all the tokens that start
 * with it, which is what makes a vocabulary-wide mask cheap.
 */

export interface TrieNode {
  children: Map<string, TrieNode>;
  tokens: number[];
}

export interface TokenTrie {
  root: TrieNode;
  /** Ids past the last token: the size of a mask. */
  size: number;
  /** Each id's text ('' for tokens the constraint never picks). */
  texts: string[];
}

/**
 * `textOf` gives a token's decoded text. Tokens without text (special tokens) and tokens
 * that end inside a multi-byte character (U+FFFD) are left out: a constrained output is
 * built from whole characters only. So are tokens longer than `maxChars` (runs of spaces or
 * dashes in large vocabularies), which lets the automaton treat long stretches of room alike.
 */
export function buildTokenTrie(size: number, textOf: (id: number) => string, maxChars: number): TokenTrie {
  const root: TrieNode = { children: new Map(), tokens: [] };
  const texts: string[] = new Array<string>(size).fill('');
  for (let id = 0; id < size; id += 1) {
    const text = textOf(id);
    if (text.length === 0 || text.length > maxChars || text.includes('\uFFFD')) continue;
    texts[id] = text;
    let node = root;
    for (const ch of text) {
      let child = node.children.get(ch);
      if (!child) node.children.set(ch, (child = { children: new Map(), tokens: [] }));
      node = child;
    }
    node.tokens.push(id);
  }
  return { root, size, texts };
}
