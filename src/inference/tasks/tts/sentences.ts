/**
 * Text to the sentences that are synthesized one at a time, so the first audio is ready after
 * one sentence rather than the whole text. A sentence longer than a model can take in one run
 * is cut at its last comma or space before the limit.
 */
import { badInput, tooLarge } from '../../../errors.js';

/** Sentence ends: . ! ? … and their CJK forms, followed by space or the end; or a blank line. */
const SENTENCE_END = /(?<=[.!?…。！？])\s+|\n\s*\n/u;

export interface TextLimits {
  /** The most characters one request may ask for. */
  maxCharacters: number;
  /** The most characters synthesized in one model run. */
  maxSentenceCharacters: number;
}

export const DEFAULT_TEXT_LIMITS: TextLimits = { maxCharacters: 5000, maxSentenceCharacters: 300 };

/** Checks the text before any work is done, and splits it. */
export function splitSentences(text: string, limits: TextLimits = DEFAULT_TEXT_LIMITS): string[] {
  if (text.length > limits.maxCharacters) {
    throw tooLarge(`The text is ${text.length} characters; the limit is ${limits.maxCharacters}.`, {
      characters: text.length,
      limit: limits.maxCharacters,
    });
  }
  const sentences = text
    .split(SENTENCE_END)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s))
    .flatMap((s) => cutLong(s, limits.maxSentenceCharacters));
  if (sentences.length === 0) throw badInput('The text has nothing to say: it needs at least one letter or digit.');
  return sentences;
}

function cutLong(sentence: string, max: number): string[] {
  const parts: string[] = [];
  let rest = sentence;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    const comma = window.lastIndexOf(', ');
    const space = window.lastIndexOf(' ');
    const cut = comma > max / 2 ? comma + 1 : space > 0 ? space : max;
    parts.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}
