/**
 * Text is measured in characters before any tokenizer sees it: tokenizing runs on the event
 * loop and costs time in proportion to the input, so a megabyte prompt must be refused by its
 * length, not by its token count. The limits are process-wide (set once from the server's
 * configuration) so every path that validates input, whichever transport it came from, applies
 * the same ones. Over the limit is BAD_USER_INPUT, like a prompt too long for the model.
 */
import { badInput } from '../errors.js';

export interface TextLimits {
  /** Characters in any one text: a prompt, one message, one label, one text to embed. */
  maxChars: number;
  /** Characters across all texts of one request. */
  maxTotalChars: number;
}

/** About 8k tokens per request: more than the context of the models shipped; tokenizing it stays well under the 250 ms loop budget. */
export const DEFAULT_TEXT_LIMITS: Readonly<TextLimits> = { maxChars: 32_000, maxTotalChars: 32_000 };

let current: TextLimits = { ...DEFAULT_TEXT_LIMITS };

export function configureTextLimits(limits: TextLimits): void {
  current = { ...limits };
}

export function textLimits(): Readonly<TextLimits> {
  return current;
}

/** Refuses one text over the per-text limit; `parameter` names it in the message (e.g. `messages[3].content`). */
export function checkTextLength(parameter: string, text: string): void {
  const { maxChars } = current;
  if (text.length > maxChars) {
    throw badInput(`${parameter} is ${text.length} characters; the limit is ${maxChars} (MAX_TEXT_CHARS).`, {
      parameter,
      length: text.length,
      limit: maxChars,
    });
  }
}

/** Refuses each text over the per-text limit, then all of them together over the total. */
export function checkTextsLength(parameter: string, texts: readonly string[]): void {
  let total = 0;
  texts.forEach((text, i) => {
    checkTextLength(`${parameter}[${i}]`, text);
    total += text.length;
  });
  const { maxTotalChars } = current;
  if (total > maxTotalChars) {
    throw badInput(`${parameter} hold ${total} characters together; the limit is ${maxTotalChars} (MAX_TOTAL_TEXT_CHARS).`, {
      parameter,
      length: total,
      limit: maxTotalChars,
    });
  }
}
