/**
 * What a finished generation (or caption: the same events) writes into its request row:
 * the stored result of its kind and the row's columns. Shared by the generation and
 * caption resolvers and by pipeline steps, so a step's child row reads like a lone request.
 */
import type { RequestOutcome } from '../db/request-store.js';
import type { GenerationEvent } from '../inference/generation/types.js';
import type { CaptionResultShape, GenerationResultShape, StoredToken, StoredToolCall } from './results.js';

type Completed = Extract<GenerationEvent, { type: 'completed' }>;

export function generationOutcome(
  event: Completed,
  kind: 'generation' | 'caption',
  firstOutputAt: Date | null,
  tokens?: StoredToken[],
  toolCalls: StoredToolCall[] = [],
): { stored: GenerationResultShape | CaptionResultShape; outcome: RequestOutcome } {
  const stored: GenerationResultShape | CaptionResultShape = {
    kind,
    text: event.text,
    finishReason: event.finishReason,
    usage: event.usage,
    timings: {
      queueMs: event.timings.queueMs,
      timeToFirstTokenMs: event.timings.timeToFirstTokenMs,
      tokensPerSecond: event.timings.tokensPerSecond,
    },
    ...(tokens ? { tokens } : {}),
    ...(event.json !== undefined ? { json: event.json } : {}),
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
  };
  const outcome: RequestOutcome = {
    outputText: event.text,
    result: stored,
    promptTokens: event.usage.promptTokens,
    completionTokens: event.usage.completionTokens,
    queueMs: event.timings.queueMs,
    computeMs: event.timings.computeMs,
    batchSize: event.timings.batchSize,
    firstOutputAt,
  };
  return { stored, outcome };
}
