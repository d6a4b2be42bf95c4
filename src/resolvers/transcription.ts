/**
 * Speech recognition over GraphQL: language, model and audio checked before any row
 * exists, then the transcript streams through the run service.
 */
import type { Context } from '../contracts/context.js';
import type { TranscribeAudioPayloadShape, TranscriptionEventShape } from '../contracts/events.js';
import { isTranscriptionPreview, replayTranscription, transcriptionFold, transcriptionShapes } from '../runs/folds/transcription.js';
import { resumeAfter } from './resume.js';
import { sequenced } from '../runs/sequence.js';
import { badInput } from '../errors.js';
import { resolveMedia, type MediaInputValue } from './media.js';

export interface TranscribeInputValue {
  audio: MediaInputValue;
  model?: string | null;
  language?: string | null;
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,8})?$/;

async function begin(ctx: Context, input: TranscribeInputValue) {
  const language = input.language ?? undefined;
  if (language !== undefined && !LANGUAGE.test(language)) {
    throw badInput(`language must be a language code such as "en", got "${language}".`, { argument: 'language' });
  }
  const model = ctx.engine.resolveModel('SPEECH_RECOGNITION', input.model ?? undefined);
  const media = await resolveMedia(ctx, input.audio, 'audio');
  const pending = ctx.runs.prepare();
  const events = await ctx.engine.transcribe(model.name, media.bytes, { language, signal: pending.signal, onStart: pending.onStart });
  const spec = {
    task: 'SPEECH_RECOGNITION',
    model: model.name,
    parameters: language === undefined ? {} : { language },
    inputModalities: ['AUDIO'],
    inputArtifactIds: [media.artifact.id],
  };
  return ctx.runs.streamed(spec, pending, ctx.signal, events, transcriptionFold(model.name));
}

export async function* transcribeEvents(ctx: Context, input: TranscribeInputValue): AsyncGenerator<TranscriptionEventShape> {
  yield* ctx.runs.follow(await begin(ctx, input), (events) => transcriptionShapes(sequenced(events, { isPreview: isTranscriptionPreview })));
}

export async function transcribeAudio(ctx: Context, input: TranscribeInputValue): Promise<TranscribeAudioPayloadShape> {
  const { events, request } = await ctx.runs.collect(await begin(ctx, input));
  const last = events.at(-1)!;
  if (last.kind === 'failed') throw last.error;
  if (last.kind !== 'completed') throw new Error('a transcription log ends with completed or failed');
  const { kind: _kind, requestId: _id, ...result } = last;
  return { ...result, request: request! };
}

/** Attaches to a transcription by request id: what was sent so far, then the rest; a finished one from its row. */
export function transcriptionEvents(ctx: Context, id: string, after?: number | null): AsyncIterable<TranscriptionEventShape> {
  const told = ctx.runs.attach(
    id,
    (row) => {
      if (row.task !== 'SPEECH_RECOGNITION') throw badInput(`transcriptionEvents streams transcriptions; ${id} is a ${row.task} request.`);
    },
    replayTranscription,
  );
  const events = sequenced(told, { after: resumeAfter(after), isPreview: isTranscriptionPreview });
  return transcriptionShapes(events);
}
