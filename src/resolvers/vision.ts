import type { Context } from '../contracts/context.js';
import type { ClassificationShape, EmbeddingShape } from '../contracts/results.js';
import type { RequestRow } from '../db/request-store.js';
import { checkLabels, checkTemplate, checkTopK, embeddingModality } from '../inference/tasks/vision/validate.js';
import type { ClassificationResult, RunOptions, Task } from '../inference/types.js';
import { resolveMedia, type MediaInputValue } from './media.js';

export interface ClassificationPayloadShape extends Omit<ClassificationShape, 'kind'> {
  model: string;
  request: RequestRow;
}

export interface EmbedPayloadShape extends Omit<EmbeddingShape, 'kind'> {
  model: string;
  request: RequestRow;
}

/** Persists and runs one image classification (fixed or zero-shot labels). */
async function classify(
  ctx: Context,
  task: Task,
  image: MediaInputValue,
  modelName: string | null | undefined,
  parameters: Record<string, unknown>,
  run: (model: string, bytes: Uint8Array, options: RunOptions) => Promise<ClassificationResult>,
): Promise<ClassificationPayloadShape> {
  const model = ctx.engine.resolveModel(task, modelName ?? undefined);
  const media = await resolveMedia(ctx, image, 'image');
  const { value, request } = await ctx.runs.unary(
    { task, model: model.name, parameters, inputModalities: ['IMAGE'], inputArtifactIds: [media.artifact.id] },
    { client: ctx.signal },
    async (active) => {
      const { stats, labels } = await run(model.name, media.bytes, active);
      const stored: ClassificationShape = { kind: 'classification', labels };
      return { value: labels, outcome: { ...stats, outputText: labels[0]?.label ?? null, result: stored } };
    },
  );
  return { labels: value, model: model.name, request };
}

export function classifyImage(
  ctx: Context,
  input: { image: MediaInputValue; model?: string | null; topK?: number | null },
): Promise<ClassificationPayloadShape> {
  const topK = checkTopK(input.topK ?? undefined);
  return classify(ctx, 'IMAGE_CLASSIFICATION', input.image, input.model, { topK }, (model, bytes, options) =>
    ctx.engine.classifyImage(model, bytes, { ...options, topK }),
  );
}

export function classifyImageZeroShot(
  ctx: Context,
  input: { image: MediaInputValue; labels: string[]; hypothesisTemplate?: string | null; model?: string | null },
): Promise<ClassificationPayloadShape> {
  checkLabels(input.labels);
  const hypothesisTemplate = input.hypothesisTemplate ?? undefined;
  if (hypothesisTemplate !== undefined) checkTemplate(hypothesisTemplate);
  const parameters = { labels: input.labels, ...(hypothesisTemplate === undefined ? {} : { hypothesisTemplate }) };
  return classify(ctx, 'ZERO_SHOT_IMAGE_CLASSIFICATION', input.image, input.model, parameters, (model, bytes, options) =>
    ctx.engine.classifyImageZeroShot(model, bytes, input.labels, { ...options, hypothesisTemplate }),
  );
}

export async function embed(
  ctx: Context,
  input: { text?: string | null; image?: MediaInputValue | null; model?: string | null },
): Promise<EmbedPayloadShape> {
  const modality = embeddingModality(input);
  const model = ctx.engine.embeddingModelFor(modality, input.model ?? undefined);
  const media = input.image ? await resolveMedia(ctx, input.image, 'image') : undefined;
  const { value, request } = await ctx.runs.unary(
    {
      task: model.task,
      model: model.name,
      parameters: { embed: modality },
      inputModalities: [modality],
      inputText: input.text ?? null,
      inputArtifactIds: media ? [media.artifact.id] : [],
    },
    { client: ctx.signal },
    async (active) => {
      const embedInput = media ? { image: media.bytes } : { text: input.text! };
      const { stats, vector, dimension } = await ctx.engine.embed(model.name, embedInput, active);
      const result: Omit<EmbeddingShape, 'kind'> = { vector: Array.from(vector), dimension, modality };
      return { value: result, outcome: { ...stats, result: { kind: 'embedding', ...result } satisfies EmbeddingShape } };
    },
  );
  return { ...value, model: model.name, request };
}
