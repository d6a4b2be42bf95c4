import type { Context } from '../contracts/context.js';
import type { SpeechDetectionShape } from '../contracts/results.js';
import type { RequestRow } from '../db/request-store.js';
import { badInput } from '../errors.js';
import { resolveMedia, type MediaInputValue } from './media.js';

export interface DetectSpeechPayloadShape extends Omit<SpeechDetectionShape, 'kind'> {
  request: RequestRow;
}

export async function detectSpeech(
  ctx: Context,
  input: { audio: MediaInputValue; model?: string | null; threshold?: number | null },
): Promise<DetectSpeechPayloadShape> {
  if (input.threshold != null && !(input.threshold > 0 && input.threshold < 1)) {
    throw badInput('threshold must be between 0 and 1 (exclusive).', { argument: 'threshold' });
  }
  const model = ctx.engine.resolveModel('VAD', input.model ?? undefined);
  const media = await resolveMedia(ctx, input.audio, 'audio');
  const threshold = input.threshold ?? undefined;
  const { value, request } = await ctx.runs.unary(
    {
      task: 'VAD',
      model: model.name,
      parameters: threshold === undefined ? {} : { threshold },
      inputModalities: ['AUDIO'],
      inputArtifactIds: [media.artifact.id],
    },
    { client: ctx.signal },
    async (run) => {
      const { stats, ...result } = await ctx.engine.detectSpeech(model.name, media.bytes, { signal: run.signal, onStart: run.onStart, threshold });
      const stored: SpeechDetectionShape = { kind: 'vad', ...result };
      return { value: result, outcome: { ...stats, result: stored } };
    },
  );
  return { ...value, request };
}
