import type { Context } from '../contracts/context.js';
import type { OcrResultShape } from '../contracts/results.js';
import type { RequestRow } from '../db/request-store.js';
import { resolveMedia, type MediaInputValue } from './media.js';

export interface RecognizeTextPayloadShape extends Omit<OcrResultShape, 'kind'> {
  request: RequestRow;
}

export async function recognizeText(
  ctx: Context,
  input: { image: MediaInputValue; model?: string | null },
): Promise<RecognizeTextPayloadShape> {
  const model = ctx.engine.resolveModel('OCR', input.model ?? undefined);
  const media = await resolveMedia(ctx, input.image, 'image');
  const { value, request } = await ctx.runs.unary(
    {
      task: 'OCR',
      model: model.name,
      parameters: {},
      inputModalities: ['IMAGE'],
      inputArtifactIds: [media.artifact.id],
    },
    { client: ctx.signal },
    async (run) => {
      const { stats, ...result } = await ctx.engine.recognizeText(model.name, media.bytes, run);
      const stored: OcrResultShape = { kind: 'ocr', ...result };
      return { value: result, outcome: { ...stats, outputText: result.text, result: stored } };
    },
  );
  return { ...value, request };
}
