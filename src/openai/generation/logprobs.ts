/**
 * Token log-probabilities in the two shapes OpenAI uses: chat's `logprobs.content` (token,
 * logprob, UTF-8 bytes, alternatives) and the legacy completions' parallel arrays. A token
 * whose text is still pending (part of a character or a possible stop string) shows as ''.
 */
import type { TokenEvent } from '../../contracts/events.js';

const bytesOf = (text: string) => [...Buffer.from(text, 'utf8')];

export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export function chatLogprobs(tokens: TokenEvent[]): { content: ChatTokenLogprob[]; refusal: null } {
  return {
    content: tokens.map((token) => ({
      token: token.text,
      logprob: token.logprob ?? 0,
      bytes: bytesOf(token.text),
      top_logprobs: (token.topLogprobs ?? []).map((top) => ({ token: top.text, logprob: top.logprob, bytes: bytesOf(top.text) })),
    })),
    refusal: null,
  };
}

export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[] | null;
  text_offset: number[];
}

/** `offset` is where the first token's text starts in the choice's whole text. */
export function completionLogprobs(tokens: TokenEvent[], offset = 0): CompletionLogprobs {
  let at = offset;
  const text_offset = tokens.map((token) => {
    const start = at;
    at += token.text.length;
    return start;
  });
  return {
    tokens: tokens.map((token) => token.text),
    token_logprobs: tokens.map((token) => token.logprob ?? 0),
    top_logprobs: tokens.some((token) => token.topLogprobs) ? tokens.map((token) => Object.fromEntries((token.topLogprobs ?? []).map((top) => [top.text, top.logprob]))) : null,
    text_offset,
  };
}
