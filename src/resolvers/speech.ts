/**
 * Speech synthesis over GraphQL: text, speed, voice and model checked before any row exists
 * (the engine refuses them when `speak` is called), then the sentences stream through the run
 * service; the whole recording is stored as a WAV artifact owned by the caller's key.
 */
import type { Context } from '../contracts/context.js';
import type { SpeechEventShape, SynthesizeSpeechPayloadShape } from '../contracts/events.js';
import type { SpeechAudioChunk } from '../inference/types.js';
import { speechFold, speechShapes, SpeechTally, type SpeechProgress } from '../runs/folds/speech.js';

export interface SpeechInputValue {
  text: string;
  model?: string | null;
  voice?: string | null;
  speed?: number | null;
}

/** The engine's chunks as they come, then the joined recording once stored. */
async function* progress(ctx: Context, chunks: AsyncIterable<SpeechAudioChunk>, tally: SpeechTally): AsyncGenerator<SpeechProgress> {
  for await (const chunk of chunks) {
    tally.add(chunk);
    yield { kind: 'chunk', chunk };
  }
  const { bytes, sampleRate, durationSeconds } = tally.wav();
  yield { kind: 'stored', audio: await ctx.artifacts.put(bytes, 'audio/wav'), sampleRate, durationSeconds };
}

async function begin(ctx: Context, input: SpeechInputValue) {
  const model = ctx.engine.resolveModel('TEXT_TO_SPEECH', input.model ?? undefined);
  const voice = input.voice ?? undefined;
  const speed = input.speed ?? undefined;
  const pending = ctx.runs.prepare();
  const chunks = await ctx.engine.speak(model.name, input.text, { voice, speed, signal: pending.signal, onStart: pending.onStart });
  const tally = new SpeechTally();
  const spec = {
    task: 'TEXT_TO_SPEECH',
    model: model.name,
    parameters: { ...(voice === undefined ? {} : { voice }), ...(speed === undefined ? {} : { speed }) },
    inputModalities: ['TEXT'],
    inputText: input.text,
  };
  return ctx.runs.streamed(spec, pending, ctx.signal, progress(ctx, chunks, tally), speechFold(model.name, voice ?? null, tally));
}

export async function* speakEvents(ctx: Context, input: SpeechInputValue): AsyncGenerator<SpeechEventShape> {
  yield* ctx.runs.follow(await begin(ctx, input), speechShapes);
}

export async function synthesizeSpeech(ctx: Context, input: SpeechInputValue): Promise<SynthesizeSpeechPayloadShape> {
  const { events, request } = await ctx.runs.collect(await begin(ctx, input));
  const last = events.at(-1)!;
  if (last.kind === 'failed') throw last.error;
  if (last.kind !== 'completed') throw new Error('a speech log ends with completed or failed');
  const { audio, sampleRate, durationSeconds, timings } = last;
  return { audio, sampleRate, durationSeconds, timings, request: request! };
}
