/**
 * Turns a stream of token ids into a stream of text without ever splitting a character.
 * It decodes a short window of recent tokens and emits only what the new token added; a
 * trailing U+FFFD means the last token ended inside a multi-byte character, so that text
 * waits for the next token. Decoding from a few tokens back (not from the new token alone)
 * keeps the spaces that SentencePiece-style decoders strip from a sequence's start.
 */
import type { TextTokenizer } from './tokenizer.js';

const REPLACEMENT = '\uFFFD';

export class IncrementalDetokenizer {
  private readonly ids: number[];
  /** Start of the window that is decoded each time. */
  private prefixOffset = 0;
  /** Tokens before this are already emitted. */
  private readOffset: number;

  /** `context`: the last few prompt tokens, decoded for spacing but never emitted. */
  constructor(
    private readonly tokenizer: Pick<TextTokenizer, 'decode'>,
    context: readonly number[] = [],
  ) {
    this.ids = context.slice(-4);
    this.readOffset = this.ids.length;
  }

  /**
   * Adds one token. Returns the text it completes: '' for a token without text (a skipped
   * special token, an id the tokenizer does not know), null while a character is incomplete.
   */
  push(tokenId: number): string | null {
    this.ids.push(tokenId);
    return this.advance(false);
  }

  /** Everything not yet emitted, even an incomplete character, at the end of the stream. */
  flush(): string {
    return this.advance(true) ?? '';
  }

  private advance(final: boolean): string | null {
    if (this.readOffset >= this.ids.length) return '';
    const before = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const after = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    if (!final && after.endsWith(REPLACEMENT)) return null;
    const added = after.length <= before.length ? '' : after.slice(before.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return added;
  }
}
