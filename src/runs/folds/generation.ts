/**
 * Generation (and captioning: the same events) as a stream fold: the engine's events become
 * the GraphQL events in the run's log, the completion becomes the row. The row keeps each
 * token, so a finished request replays them like a live one.
 */
import type { RequestRow } from '../../db/request-store.js';
import type { GenerationEvent } from '../../inference/generation/types.js';
import type { CaptionResultShape, GenerationResultShape, StoredToken, StoredToolCall } from '../../contracts/results.js';
import type { CompletedEvent, GenerateTextPayloadShape, GenerationEventShape, TokenEvent, ToolCallEvent } from '../../contracts/events.js';
import { generationOutcome } from '../../contracts/generation-outcome.js';
import { TesseraError } from '../../errors.js';
import type { RunService, StartedRun } from '../run-service.js';
import type { StreamFold } from '../stream-fold.js';

export function generationFold(model: string, kind: 'generation' | 'caption'): StreamFold<GenerationEvent, GenerationEventShape> {
  const tokens: StoredToken[] = [];
  const toolCalls: StoredToolCall[] = [];
  let text = '';
  let promptTokens = 0;
  let firstOutputAt: Date | null = null;
  const submittedAt = Date.now();
  return {
    step(event, run, row) {
      if (event.type === 'started') {
        promptTokens = event.promptTokens;
        run.onStart(new Date(submittedAt + event.queueMs));
        return { publish: { kind: 'started', requestId: row.id, model, promptTokens } };
      }
      if (event.type === 'token') {
        firstOutputAt ??= new Date();
        text += event.text;
        const { type: _type, ...token } = event;
        tokens.push(token);
        run.keep({ outputText: text, promptTokens, completionTokens: event.index + 1, firstOutputAt });
        return { publish: { kind: 'token', ...token } };
      }
      if (event.type === 'tool_call') {
        const { type: _type, ...call } = event;
        toolCalls.push(call);
        return { publish: { kind: 'tool_call', ...call } };
      }
      const { outcome } = generationOutcome(event, kind, firstOutputAt, tokens, toolCalls);
      const completed: CompletedEvent = {
        kind: 'completed',
        requestId: row.id,
        finishReason: event.finishReason,
        text: event.text,
        usage: event.usage,
        timings: { queueMs: event.timings.queueMs, timeToFirstTokenMs: event.timings.timeToFirstTokenMs, tokensPerSecond: event.timings.tokensPerSecond },
        error: event.error ?? null,
        ...(event.json !== undefined ? { json: event.json } : {}),
      };
      if (event.finishReason === 'CANCELLED') {
        const reason = run.signal.reason instanceof Error ? run.signal.reason.message : 'The request was cancelled.';
        return { publish: completed, ending: { status: 'CANCELLED', error: new TesseraError('CANCELLED', reason), outcome } };
      }
      if (event.finishReason === 'ERROR') {
        const error = event.error ?? { code: 'INFERENCE_FAILED', message: 'Generation failed.' };
        return { publish: completed, ending: { status: 'FAILED', error: new TesseraError(error.code as never, error.message), outcome } };
      }
      return { publish: completed, ending: { status: 'COMPLETED', outcome } };
    },
    broken(failure, row) {
      const cancelledRun = failure.code === 'CANCELLED';
      return {
        publish: {
          kind: 'completed',
          requestId: row.id,
          finishReason: cancelledRun ? 'CANCELLED' : 'ERROR',
          text,
          usage: { promptTokens, completionTokens: tokens.length },
          timings: { queueMs: 0, timeToFirstTokenMs: null, tokensPerSecond: null },
          error: cancelledRun ? null : { code: failure.code, message: failure.message },
        },
      };
    },
  };
}

/** A finished generation told again from its row: started, its stored tokens, completed. */
export async function* replayGeneration(row: RequestRow): AsyncGenerator<GenerationEventShape> {
  const result = row.result as GenerationResultShape | CaptionResultShape | null;
  yield { kind: 'started', requestId: row.id, model: row.model, promptTokens: row.promptTokens ?? 0 };
  for (const token of result?.tokens ?? []) yield { kind: 'token', ...token } satisfies TokenEvent;
  for (const call of result?.toolCalls ?? []) yield { kind: 'tool_call', ...call } satisfies ToolCallEvent;
  yield {
    kind: 'completed',
    requestId: row.id,
    finishReason: result?.finishReason ?? (row.status === 'CANCELLED' ? 'CANCELLED' : row.status === 'FAILED' ? 'ERROR' : 'STOP'),
    text: row.outputText ?? '',
    usage: { promptTokens: row.promptTokens ?? 0, completionTokens: row.completionTokens ?? 0 },
    timings: result?.timings ?? { queueMs: row.queueMs ?? 0, timeToFirstTokenMs: null, tokensPerSecond: null },
    error: row.errorCode && row.status === 'FAILED' ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    ...(result?.json !== undefined ? { json: result.json } : {}),
  };
}

/** Reads a started generation to its end; a failed one is thrown with its code, after its row is settled. */
export async function generationResult(runs: RunService, started: StartedRun<GenerationEventShape>): Promise<GenerateTextPayloadShape> {
  const { events, request } = await runs.collect(started);
  const completed = events.at(-1) as CompletedEvent;
  if (completed.finishReason === 'ERROR' && completed.error) {
    throw new TesseraError(completed.error.code as never, completed.error.message, { requestId: started.row.id });
  }
  const tokens = events.filter((event): event is TokenEvent => event.kind === 'token');
  const toolCalls = events.filter((event): event is ToolCallEvent => event.kind === 'tool_call');
  const { text, finishReason, usage, timings, json } = completed;
  return { text, finishReason, usage, timings, tokens, json, toolCalls, request: request! };
}
