/**
 * Generation runs as a pump owned by the request, not by the subscriber: it persists the
 * row, feeds the engine's events into the run's replayable log, and writes the final state.
 * Subscribers (the one that asked, and any that attach with requestEvents) only read the log,
 * so a subscriber leaving can cancel the work without racing its persistence.
 */
import type { Context } from '../schema/context.js';
import type { FinishReason, GenerationResultShape, GenerationTimingsShape, UsageShape } from '../schema/results.js';
import type { NewRequest, RequestRow } from '../db/request-store.js';
import type { ActiveRun } from '../runs/run-registry.js';
import type { GenerationEvent, GenerationRequest } from '../inference/generation/types.js';
import { badInput, cancelled, isTesseraError, TesseraError } from '../errors.js';
import { settleFailure } from './record-run.js';
import { generationOutcome } from './generation-outcome.js';

export interface StartedEvent {
  kind: 'started';
  requestId: string;
  model: string;
  promptTokens: number;
}

export interface TokenEvent {
  kind: 'token';
  text: string;
  index: number;
  tokenId: number;
  logprob: number | null;
  topLogprobs: { tokenId: number; text: string; logprob: number }[] | null;
}

export interface CompletedEvent {
  kind: 'completed';
  requestId: string;
  finishReason: FinishReason;
  text: string;
  usage: UsageShape;
  timings: GenerationTimingsShape;
  error?: { code: string; message: string } | null;
  json?: unknown;
}

export type ToolCallEvent = { kind: 'tool_call'; index: number; id: string; name: string; arguments: Record<string, unknown> };

export type GenerationEventShape = StartedEvent | TokenEvent | ToolCallEvent | CompletedEvent;

export interface GenerateTextPayloadShape {
  text: string;
  finishReason: FinishReason;
  usage: UsageShape;
  timings: GenerationTimingsShape;
  tokens: TokenEvent[];
  json?: unknown;
  toolCalls: ToolCallEvent[];
  request: RequestRow;
}

type GenerateInputValue = {
  [K in Exclude<keyof GenerationRequest, 'toolChoice'>]?: GenerationRequest[K] | null;
} & { model?: string | null; toolChoice?: { mode?: 'auto' | 'none' | 'required' | null; function?: string | null } | null };

function toRequest(input: GenerateInputValue): GenerationRequest {
  const request: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key !== 'model' && value !== null && value !== undefined) request[key] = value;
  }
  if (input.toolChoice) request.toolChoice = input.toolChoice.function ? { function: input.toolChoice.function } : (input.toolChoice.mode ?? 'auto');
  return request as GenerationRequest;
}

function inputTextOf(request: GenerationRequest): string {
  if (request.prompt != null) return request.prompt;
  return (request.messages ?? []).map((m) => `${m.role}: ${m.content}`).join('\n');
}

interface Prepared {
  model: string;
  request: GenerationRequest;
  events: AsyncIterable<GenerationEvent>;
  controller: AbortController;
}

/** Validates against the model before anything is persisted; the engine's work starts only when the events are read. */
async function prepare(ctx: Context, input: GenerateInputValue): Promise<Prepared> {
  const model = ctx.engine.resolveModel('TEXT_GENERATION', input.model ?? undefined);
  const request = toRequest(input);
  const controller = new AbortController();
  const events = await ctx.engine.generate(model.name, request, { signal: controller.signal });
  return { model: model.name, request, events, controller };
}

/**
 * Runs one generation (or caption: the same events) to its end, publishing GraphQL-shaped
 * events into the run; `kind` is the result kind stored in the row. Never rejects.
 */
async function pump(
  ctx: Context,
  row: RequestRow,
  run: ActiveRun<GenerationEventShape>,
  prepared: Pick<Prepared, 'model' | 'events'>,
  kind: 'generation' | 'caption' = 'generation',
): Promise<CompletedEvent> {
  let text = '';
  let completionTokens = 0;
  let promptTokens = 0;
  let firstOutputAt: Date | null = null;
  const startedAt = Date.now();
  const finish = async (event: Extract<GenerationEvent, { type: 'completed' }>): Promise<CompletedEvent> => {
    const completed: CompletedEvent = {
      kind: 'completed',
      requestId: row.id,
      finishReason: event.finishReason,
      text: event.text,
      usage: event.usage,
      timings: {
        queueMs: event.timings.queueMs,
        timeToFirstTokenMs: event.timings.timeToFirstTokenMs,
        tokensPerSecond: event.timings.tokensPerSecond,
      },
      error: event.error ?? null,
      json: event.json,
    };
    const { outcome } = generationOutcome(event, kind, firstOutputAt);
    if (event.finishReason === 'CANCELLED') {
      const reason = run.signal.reason instanceof Error ? run.signal.reason.message : undefined;
      await ctx.requests.cancel(row.id, outcome, reason);
    } else if (event.finishReason === 'ERROR') {
      await ctx.requests.fail(row.id, event.error ?? { code: 'INFERENCE_FAILED', message: 'Generation failed.' }, outcome);
    } else {
      await ctx.requests.complete(row.id, outcome);
    }
    run.publish(completed);
    return completed;
  };

  try {
    for await (const event of prepared.events) {
      if (event.type === 'started') {
        promptTokens = event.promptTokens;
        void ctx.requests.markRunning(row.id, new Date(startedAt + event.queueMs)).catch(() => undefined);
        run.publish({ kind: 'started', requestId: row.id, model: prepared.model, promptTokens });
      } else if (event.type === 'token') {
        firstOutputAt ??= new Date();
        text += event.text;
        completionTokens = event.index + 1;
        run.publish({
          kind: 'token',
          text: event.text,
          index: event.index,
          tokenId: event.tokenId,
          logprob: event.logprob,
          topLogprobs: event.topLogprobs,
        });
      } else if (event.type === 'tool_call') {
        run.publish({ kind: 'tool_call', index: event.index, id: event.id, name: event.name, arguments: event.arguments });
      } else {
        return await finish(event);
      }
    }
    throw new TesseraError('INFERENCE_FAILED', 'The generation ended without a completion event.');
  } catch (error) {
    const aborted = run.signal.aborted;
    const failure = aborted ? (run.signal.reason as Error) : error;
    await settleFailure(ctx, row.id, failure, { outputText: text, promptTokens, completionTokens, firstOutputAt }).catch((e) =>
      ctx.logger.error({ err: e, id: row.id }, 'could not record the generation failure'),
    );
    const code = isTesseraError(failure) ? failure.code : 'INFERENCE_FAILED';
    const completed: CompletedEvent = {
      kind: 'completed',
      requestId: row.id,
      finishReason: aborted ? 'CANCELLED' : 'ERROR',
      text,
      usage: { promptTokens, completionTokens },
      timings: { queueMs: 0, timeToFirstTokenMs: null, tokensPerSecond: null },
      error: aborted ? null : { code, message: isTesseraError(failure) ? failure.message : 'Generation failed unexpectedly.' },
    };
    run.publish(completed);
    return completed;
  } finally {
    run.end();
  }
}

async function begin(ctx: Context, input: GenerateInputValue) {
  const prepared = await prepare(ctx, input);
  return startRun(
    ctx,
    {
      task: 'TEXT_GENERATION',
      model: prepared.model,
      parameters: prepared.request as Record<string, unknown>,
      inputModalities: ['TEXT'],
      inputText: inputTextOf(prepared.request),
    },
    prepared,
  );
}

/** Persists the request, registers its run, and starts pumping the engine's events into it. */
export async function startRun(
  ctx: Context,
  spec: NewRequest,
  prepared: Pick<Prepared, 'model' | 'events' | 'controller'>,
  kind: 'generation' | 'caption' = 'generation',
) {
  const row = await ctx.requests.create(spec);
  let run: ActiveRun<GenerationEventShape>;
  try {
    run = ctx.runs.start<GenerationEventShape>(row.id, ctx.signal, prepared.controller);
  } catch (error) {
    await settleFailure(ctx, row.id, error);
    throw error;
  }
  const done = pump(ctx, row, run, prepared, kind);
  return { row, run, done };
}

export async function* generateEvents(ctx: Context, input: GenerateInputValue): AsyncGenerator<GenerationEventShape> {
  yield* streamRun(ctx, await begin(ctx, input));
}

/**
 * A started run's events for its subscriber; leaving early cancels the work. `events` is the
 * run's log as the subscriber sees it (transcription maps its log before it is sent).
 */
export async function* streamRun<R extends { kind: string }, E extends { kind: string } = R>(
  ctx: Context,
  { run, done }: { run: ActiveRun<R>; done: Promise<unknown> },
  events: AsyncIterable<E> = run.attach() as unknown as AsyncIterable<E>,
): AsyncGenerator<E> {
  const closeStream = ctx.runs.openStream();
  let completed = false;
  try {
    for await (const event of events) {
      yield event;
      if (event.kind === 'completed') completed = true;
    }
  } finally {
    if (!completed) run.controller.abort(cancelled('The subscriber went away.'));
    // The final row is written before the subscription ends, so what a client reads next is settled.
    await done;
    closeStream();
  }
}

export async function generateText(ctx: Context, input: GenerateInputValue): Promise<GenerateTextPayloadShape> {
  return untilCompleted(ctx, await begin(ctx, input));
}

/** Reads a started run to its end; a failed one is thrown with its code, after its row is settled. */
export async function untilCompleted(
  ctx: Context,
  { row, run, done }: { row: RequestRow; run: ActiveRun<GenerationEventShape>; done: Promise<CompletedEvent> },
): Promise<GenerateTextPayloadShape> {
  const tokens: TokenEvent[] = [];
  const toolCalls: ToolCallEvent[] = [];
  for await (const event of run.attach()) {
    if (event.kind === 'token') tokens.push(event);
    else if (event.kind === 'tool_call') toolCalls.push(event);
  }
  const completed = await done;
  if (completed.finishReason === 'ERROR' && completed.error) {
    throw new TesseraError(completed.error.code as never, completed.error.message, { requestId: row.id });
  }
  const request = (await ctx.requests.get(row.id))!;
  return { text: completed.text, finishReason: completed.finishReason, usage: completed.usage, timings: completed.timings, tokens, json: completed.json, toolCalls, request };
}

/** Tasks whose requests stream generation events (pump), so requestEvents can replay them. */
const STREAMED_TASKS = new Set(['TEXT_GENERATION', 'IMAGE_CAPTIONING']);

export async function* requestEvents(ctx: Context, id: string): AsyncGenerator<GenerationEventShape> {
  const row = await ctx.requests.get(id);
  if (!row) throw new TesseraError('NOT_FOUND', `No request with id "${id}".`, { id });
  if (!STREAMED_TASKS.has(row.task)) throw badInput(`requestEvents streams generation and caption requests; ${id} is a ${row.task} request.`);
  const run = ctx.runs.get<GenerationEventShape>(id);
  if (run) {
    yield* run.attach();
    return;
  }
  // Finished already (or it finished since `row` was read): what the history holds, in the same event shapes.
  const stored = row.status === 'QUEUED' || row.status === 'RUNNING' ? ((await ctx.requests.get(id)) ?? row) : row;
  const result = stored.result as GenerationResultShape | null;
  yield { kind: 'started', requestId: id, model: stored.model, promptTokens: stored.promptTokens ?? 0 };
  yield {
    kind: 'completed',
    requestId: id,
    finishReason: result?.finishReason ?? (stored.status === 'CANCELLED' ? 'CANCELLED' : stored.status === 'FAILED' ? 'ERROR' : 'STOP'),
    text: stored.outputText ?? '',
    usage: { promptTokens: stored.promptTokens ?? 0, completionTokens: stored.completionTokens ?? 0 },
    timings: result?.timings ?? { queueMs: stored.queueMs ?? 0, timeToFirstTokenMs: null, tokensPerSecond: null },
    error: stored.errorCode && stored.status === 'FAILED' ? { code: stored.errorCode, message: stored.errorMessage ?? '' } : null,
  };
}
