/**
 * Rejects a generation request before any work is done, with BAD_USER_INPUT and a
 * message that names the parameter and its allowed range.
 */
import { badInput } from '../../errors.js';
import type { ChatMessage, GenerationRequest } from './types.js';
import { checkTextLength, checkTextsLength } from '../text-limits.js';

export const GENERATION_LIMITS = {
  maxStopStrings: 16,
  maxStopLength: 256,
  maxTopLogprobs: 20,
  maxRepetitionPenalty: 10,
  maxAbsPenalty: 2,
  maxMessages: 1024,
} as const;

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function check(condition: boolean, parameter: string, message: string, value: unknown): void {
  if (!condition) throw badInput(`${parameter} ${message}.`, { parameter, value });
}

/** A message's text: its content, or its text parts joined. */
export function messageText(m: ChatMessage): string {
  return m.parts ? m.parts.map((p) => (p.type === 'text' ? p.text : '')).join('') : m.content;
}

/** How many image parts a request's messages carry. */
export function imageCount(request: GenerationRequest): number {
  return (request.messages ?? []).reduce((n, m) => n + (m.parts?.filter((p) => p.type === 'image').length ?? 0), 0);
}

export function validateGenerationRequest(
  request: GenerationRequest,
  /** Omitted by callers that count the prompt first and then call `checkContext` themselves. */
  limits?: { contextLength: number; promptTokens?: number },
): void {
  const r = request;
  const hasPrompt = r.prompt !== undefined && r.prompt !== null;
  const hasMessages = r.messages !== undefined && r.messages !== null;
  if (hasPrompt === hasMessages) {
    throw badInput('Give exactly one of prompt and messages.', { parameter: hasPrompt ? 'prompt' : 'messages' });
  }
  if (hasPrompt) {
    check(typeof r.prompt === 'string', 'prompt', 'must be a string', typeof r.prompt);
    checkTextLength('prompt', r.prompt!);
  }
  if (hasMessages) {
    check(Array.isArray(r.messages) && r.messages.length > 0, 'messages', 'must be a non-empty list', r.messages);
    check(r.messages!.length <= GENERATION_LIMITS.maxMessages, 'messages', `may hold at most ${GENERATION_LIMITS.maxMessages} entries`, r.messages!.length);
    r.messages!.forEach((m, i) => {
      check(!!m && ROLES.has(m.role), `messages[${i}].role`, 'must be system, user, assistant or tool', m?.role);
      if (m.parts != null) {
        check(Array.isArray(m.parts) && m.parts.length > 0, `messages[${i}].parts`, 'must be a non-empty list', m.parts);
      } else {
        check(typeof m.content === 'string', `messages[${i}].content`, 'must be a string', typeof m.content);
      }
      if (m.role === 'tool') check(typeof m.toolCallId === 'string' && m.toolCallId.length > 0, `messages[${i}].toolCallId`, 'must name the call a tool message answers', m.toolCallId);
      if (m.toolCalls != null) check(m.role === 'assistant' && Array.isArray(m.toolCalls), `messages[${i}].toolCalls`, 'may only be given on assistant messages', m.role);
    });
    checkTextsLength('messages', r.messages!.map(messageText));
  }
  if (r.temperature !== undefined) check(isNumber(r.temperature) && r.temperature >= 0, 'temperature', 'must be a number >= 0', r.temperature);
  if (r.topP !== undefined) check(isNumber(r.topP) && r.topP > 0 && r.topP <= 1, 'topP', 'must be in (0, 1]', r.topP);
  if (r.minP !== undefined) check(isNumber(r.minP) && r.minP >= 0 && r.minP <= 1, 'minP', 'must be in [0, 1]', r.minP);
  if (r.topK !== undefined) check(Number.isSafeInteger(r.topK) && r.topK >= 0, 'topK', 'must be an integer >= 0 (0 turns it off)', r.topK);
  if (r.repetitionPenalty !== undefined) {
    check(
      isNumber(r.repetitionPenalty) && r.repetitionPenalty > 0 && r.repetitionPenalty <= GENERATION_LIMITS.maxRepetitionPenalty,
      'repetitionPenalty',
      `must be in (0, ${GENERATION_LIMITS.maxRepetitionPenalty}] (1 turns it off)`,
      r.repetitionPenalty,
    );
  }
  for (const name of ['presencePenalty', 'frequencyPenalty'] as const) {
    const v = r[name];
    if (v !== undefined) check(isNumber(v) && Math.abs(v) <= GENERATION_LIMITS.maxAbsPenalty, name, `must be in [-${GENERATION_LIMITS.maxAbsPenalty}, ${GENERATION_LIMITS.maxAbsPenalty}]`, v);
  }
  if (r.seed !== undefined) check(Number.isSafeInteger(r.seed), 'seed', 'must be an integer', r.seed);
  if (r.stop !== undefined) {
    check(Array.isArray(r.stop), 'stop', 'must be a list of strings', r.stop);
    check(r.stop.length <= GENERATION_LIMITS.maxStopStrings, 'stop', `may hold at most ${GENERATION_LIMITS.maxStopStrings} strings`, r.stop.length);
    r.stop.forEach((s, i) => {
      check(typeof s === 'string' && s.length > 0, `stop[${i}]`, 'must be a non-empty string', s);
      check(s.length <= GENERATION_LIMITS.maxStopLength, `stop[${i}]`, `may be at most ${GENERATION_LIMITS.maxStopLength} characters`, s.length);
    });
  }
  if (r.logprobs !== undefined) check(typeof r.logprobs === 'boolean', 'logprobs', 'must be a boolean', r.logprobs);
  if (r.topLogprobs !== undefined) {
    check(
      Number.isSafeInteger(r.topLogprobs) && r.topLogprobs >= 0 && r.topLogprobs <= GENERATION_LIMITS.maxTopLogprobs,
      'topLogprobs',
      `must be an integer in [0, ${GENERATION_LIMITS.maxTopLogprobs}]`,
      r.topLogprobs,
    );
  }
  if (r.maxTokens !== undefined) {
    check(Number.isSafeInteger(r.maxTokens) && r.maxTokens >= 1, 'maxTokens', 'must be an integer >= 1', r.maxTokens);
  }
  if (!limits) return;
  if (limits.promptTokens !== undefined) {
    checkContext(limits.contextLength, limits.promptTokens, r.maxTokens);
  } else if (r.maxTokens !== undefined && r.maxTokens >= limits.contextLength) {
    // The prompt is not counted yet, so no count is stated: the prompt takes at least one token.
    throw badInput(`maxTokens ${r.maxTokens} does not fit this model's context of ${limits.contextLength} tokens together with the prompt.`, {
      parameter: 'maxTokens',
      value: r.maxTokens,
      contextLength: limits.contextLength,
    });
  }
}

/** The prompt and the tokens asked for must fit the model's context together. */
export function checkContext(contextLength: number, promptTokens: number, maxTokens: number | undefined): void {
  if (promptTokens >= contextLength) {
    throw badInput(`The prompt is ${promptTokens} tokens; this model's context holds ${contextLength}, and at least one must be left to generate.`, {
      parameter: 'prompt',
      promptTokens,
      contextLength,
    });
  }
  if (maxTokens !== undefined && promptTokens + maxTokens > contextLength) {
    throw badInput(
      `maxTokens ${maxTokens} plus the ${promptTokens}-token prompt exceeds the context of ${contextLength} tokens (at most ${contextLength - promptTokens}).`,
      { parameter: 'maxTokens', value: maxTokens, promptTokens, contextLength },
    );
  }
}
