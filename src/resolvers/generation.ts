/**
 * Text generation over GraphQL: the input mapped to one engine call, validated against the
 * model before any row exists; the run service owns the row, the events and the replay.
 */
import type { Context } from '../contracts/context.js';
import type { GenerateTextPayloadShape, GenerationEventShape } from '../contracts/events.js';
import type { GenerationRequest } from '../inference/generation/types.js';
import { messageText } from '../inference/generation/validate.js';
import { generationFold, generationResult, replayGeneration } from '../runs/folds/generation.js';
import { resumeAfter } from './resume.js';
import { sequenced } from '../runs/sequence.js';
import { badInput } from '../errors.js';
import { withoutNulls, type Nullable } from './input.js';
import { resolveMessages, type MessageInputValue } from './message-parts.js';

/** GraphQL's tool choice is an object (`{ mode }` or `{ function }`); the engine's a string or `{ function }`. */
type ToolChoiceValue = { mode?: 'auto' | 'none' | 'required' | null; function?: string | null };
export type GenerateInputValue = Nullable<Omit<GenerationRequest, 'toolChoice' | 'messages'>> & {
  model?: string | null;
  toolChoice?: ToolChoiceValue | null;
  messages?: MessageInputValue[] | null;
};

function toRequest(input: GenerateInputValue): GenerationRequest {
  const { toolChoice, messages: _messages, ...rest } = input;
  const request = withoutNulls<GenerationRequest>(rest, ['model']);
  if (toolChoice) request.toolChoice = toolChoice.function ? { function: toolChoice.function } : (toolChoice.mode ?? 'auto');
  return request;
}

function inputTextOf(request: GenerationRequest): string {
  if (request.prompt != null) return request.prompt;
  return (request.messages ?? []).map((m) => `${m.role}: ${messageText(m)}`).join('\n');
}

/**
 * The task a generation needs: a named model's own (so an image sent to a text-only model
 * gets that model's clear refusal), else IMAGE_TEXT_TO_TEXT when the messages hold images.
 */
function generationTask(ctx: Context, model: string | undefined, hasImages: boolean): 'TEXT_GENERATION' | 'IMAGE_TEXT_TO_TEXT' {
  const named = model === undefined ? undefined : ctx.engine.models().find((m) => m.name === model);
  if (named?.task === 'IMAGE_TEXT_TO_TEXT' || named?.task === 'TEXT_GENERATION') return named.task;
  return hasImages ? 'IMAGE_TEXT_TO_TEXT' : 'TEXT_GENERATION';
}

async function begin(ctx: Context, input: GenerateInputValue) {
  const request = toRequest(input);
  const messages = input.messages ? await resolveMessages(ctx, input.messages) : null;
  const task = generationTask(ctx, input.model ?? undefined, (messages?.artifactIds.length ?? 0) > 0);
  const model = ctx.engine.resolveModel(task, input.model ?? undefined);
  if (messages) request.messages = messages.messages;
  const pending = ctx.runs.prepare();
  // The engine's work starts only when the events are read; bad parameters fail here.
  const events =
    task === 'IMAGE_TEXT_TO_TEXT'
      ? await ctx.engine.generateFromImages(model.name, request, { signal: pending.signal })
      : await ctx.engine.generate(model.name, request, { signal: pending.signal });
  const spec = {
    task,
    model: model.name,
    parameters: { ...request, ...(messages ? { messages: messages.stored } : {}) } as Record<string, unknown>,
    inputModalities: messages?.artifactIds.length ? ['IMAGE', 'TEXT'] : ['TEXT'],
    inputText: inputTextOf(request),
    ...(messages?.artifactIds.length ? { inputArtifactIds: messages.artifactIds } : {}),
  };
  return ctx.runs.streamed(spec, pending, ctx.signal, events, generationFold(model.name, 'generation'));
}

export async function* generateEvents(ctx: Context, input: GenerateInputValue): AsyncGenerator<GenerationEventShape> {
  yield* ctx.runs.follow(await begin(ctx, input), (events) => sequenced(events));
}

export async function generateText(ctx: Context, input: GenerateInputValue): Promise<GenerateTextPayloadShape> {
  return generationResult(ctx.runs, await begin(ctx, input));
}

/** Tasks whose requests stream generation events, so requestEvents can replay them. */
const STREAMED_TASKS = new Set(['TEXT_GENERATION', 'IMAGE_TEXT_TO_TEXT', 'IMAGE_CAPTIONING']);

export function requestEvents(ctx: Context, id: string, after?: number | null): AsyncIterable<GenerationEventShape> {
  const told = ctx.runs.attach(
    id,
    (row) => {
      if (!STREAMED_TASKS.has(row.task)) throw badInput(`requestEvents streams generation and caption requests; ${id} is a ${row.task} request.`);
    },
    replayGeneration,
  );
  return sequenced(told, { after: resumeAfter(after) });
}
