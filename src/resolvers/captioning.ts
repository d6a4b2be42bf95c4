/**
 * Image captioning over GraphQL: the image is resolved and stored, the parameters and the
 * model checked, then the caption streams through the run service as generation does.
 */
import type { Context } from '../contracts/context.js';
import type { GenerateTextPayloadShape, GenerationEventShape } from '../contracts/events.js';
import type { CaptionRequest } from '../inference/tasks/captioning/index.js';
import { generationFold, generationResult } from '../runs/folds/generation.js';
import { resolveMedia, type MediaInputValue } from './media.js';
import { sequenced } from '../runs/sequence.js';
import { withoutNulls, type Nullable } from './input.js';

export type CaptionImageInputValue = Nullable<CaptionRequest> & { image: MediaInputValue; model?: string | null };

async function begin(ctx: Context, input: CaptionImageInputValue) {
  const model = ctx.engine.resolveModel('IMAGE_CAPTIONING', input.model ?? undefined);
  const media = await resolveMedia(ctx, input.image, 'image');
  const request = withoutNulls<CaptionRequest>(input, ['model', 'image']);
  const pending = ctx.runs.prepare();
  // Bad parameters, a bad image or an unloadable model fail here, before a row exists.
  const events = await ctx.engine.captionImage(model.name, media.bytes, request, { signal: pending.signal });
  const spec = {
    task: 'IMAGE_CAPTIONING',
    model: model.name,
    parameters: request as Record<string, unknown>,
    inputModalities: ['IMAGE'],
    inputArtifactIds: [media.artifact.id],
  };
  return ctx.runs.streamed(spec, pending, ctx.signal, events, generationFold(model.name, 'caption'));
}

export async function* captionImageEvents(ctx: Context, input: CaptionImageInputValue): AsyncGenerator<GenerationEventShape> {
  yield* ctx.runs.follow(await begin(ctx, input), (events) => sequenced(events));
}

export async function captionImageText(ctx: Context, input: CaptionImageInputValue): Promise<GenerateTextPayloadShape> {
  return generationResult(ctx.runs, await begin(ctx, input));
}
