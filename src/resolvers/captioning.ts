/**
 * Image captioning over GraphQL: the image is resolved and stored, the parameters and the
 * model checked, then the caption streams through the same run machinery as generation
 * (persisted row, replayable events for requestEvents, final state written once).
 */
import type { Context } from '../contracts/context.js';
import type { CaptionRequest } from '../inference/tasks/captioning/index.js';
import { resolveMedia, type MediaInputValue } from './media.js';
import { startRun, streamRun, untilCompleted, type GenerateTextPayloadShape, type GenerationEventShape } from './generation.js';

export type CaptionImageInputValue = {
  [K in keyof CaptionRequest]?: CaptionRequest[K] | null;
} & { image: MediaInputValue; model?: string | null };

function toRequest(input: CaptionImageInputValue): CaptionRequest {
  const request: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key !== 'model' && key !== 'image' && value !== null && value !== undefined) request[key] = value;
  }
  return request as CaptionRequest;
}

async function begin(ctx: Context, input: CaptionImageInputValue) {
  const model = ctx.engine.resolveModel('IMAGE_CAPTIONING', input.model ?? undefined);
  const media = await resolveMedia(ctx, input.image, 'image');
  const request = toRequest(input);
  const controller = new AbortController();
  // Bad parameters, a bad image or an unloadable model fail here, before a row exists.
  const events = await ctx.engine.captionImage(model.name, media.bytes, request, { signal: controller.signal });
  return startRun(
    ctx,
    {
      task: 'IMAGE_CAPTIONING',
      model: model.name,
      parameters: request as Record<string, unknown>,
      inputModalities: ['IMAGE'],
      inputArtifactIds: [media.artifact.id],
    },
    { model: model.name, events, controller },
    'caption',
  );
}

export async function* captionImageEvents(ctx: Context, input: CaptionImageInputValue): AsyncGenerator<GenerationEventShape> {
  yield* streamRun(ctx, await begin(ctx, input));
}

export async function captionImageText(ctx: Context, input: CaptionImageInputValue): Promise<GenerateTextPayloadShape> {
  return untilCompleted(ctx, await begin(ctx, input));
}
