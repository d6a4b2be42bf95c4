/**
 * Text generation over GraphQL: the input mapped to one engine call, validated against the
 * model before any row exists; the run service owns the row, the events and the replay.
 */
import type { Context } from '../contracts/context.js';
import type { GenerateTextPayloadShape, GenerationEventShape } from '../contracts/events.js';
import type { GenerationRequest } from '../inference/generation/types.js';
import { generationFold, generationResult, replayGeneration } from '../runs/folds/generation.js';
import { resumeAfter } from './resume.js';
import { sequenced } from '../runs/sequence.js';
import { badInput } from '../errors.js';
import { withoutNulls, type Nullable } from './input.js';

/** GraphQL's tool choice is an object (`{ mode }` or `{ function }`); the engine's a string or `{ function }`. */
type ToolChoiceValue = { mode?: 'auto' | 'none' | 'required' | null; function?: string | null };
export type GenerateInputValue = Nullable<Omit<GenerationRequest, 'toolChoice'>> & { model?: string | null; toolChoice?: ToolChoiceValue | null };

function toRequest(input: GenerateInputValue): GenerationRequest {
  const { toolChoice, ...rest } = input;
  const request = withoutNulls<GenerationRequest>(rest, ['model']);
  if (toolChoice) request.toolChoice = toolChoice.function ? { function: toolChoice.function } : (toolChoice.mode ?? 'auto');
  return request;
}

function inputTextOf(request: GenerationRequest): string {
  if (request.prompt != null) return request.prompt;
  return (request.messages ?? []).map((m) => `${m.role}: ${m.content}`).join('\n');
}

async function begin(ctx: Context, input: GenerateInputValue) {
  const model = ctx.engine.resolveModel('TEXT_GENERATION', input.model ?? undefined);
  const request = toRequest(input);
  const pending = ctx.runs.prepare();
  // The engine's work starts only when the events are read; bad parameters fail here.
  const events = await ctx.engine.generate(model.name, request, { signal: pending.signal });
  const spec = { task: 'TEXT_GENERATION', model: model.name, parameters: request as Record<string, unknown>, inputModalities: ['TEXT'], inputText: inputTextOf(request) };
  return ctx.runs.streamed(spec, pending, ctx.signal, events, generationFold(model.name, 'generation'));
}

export async function* generateEvents(ctx: Context, input: GenerateInputValue): AsyncGenerator<GenerationEventShape> {
  yield* ctx.runs.follow(await begin(ctx, input), (events) => sequenced(events));
}

export async function generateText(ctx: Context, input: GenerateInputValue): Promise<GenerateTextPayloadShape> {
  return generationResult(ctx.runs, await begin(ctx, input));
}

/** Tasks whose requests stream generation events, so requestEvents can replay them. */
const STREAMED_TASKS = new Set(['TEXT_GENERATION', 'IMAGE_CAPTIONING']);

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
