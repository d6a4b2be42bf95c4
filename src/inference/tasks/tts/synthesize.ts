/**
 * The one synthesis loop every layout shares: options and text are checked before any model
 * runs, then sentence after sentence is synthesized and yielded, so a client hears the first
 * sentence while the rest is still being made. Cancelling the signal stops it between (and,
 * through the model's own checks, inside) sentences. The unary form drains the stream.
 */
import { abortError, badInput } from '../../../errors.js';
import { concatSamples } from '../../media/wav-encode.js';
import { DEFAULT_TEXT_LIMITS, splitSentences, type TextLimits } from './sentences.js';
import type { SentenceOptions, SpeechChunk, SpeechModel, SynthesisOptions } from './types.js';

export const SPEED_RANGE = { min: 0.25, max: 4 } as const;

export interface SynthesisResult {
  samples: Float32Array;
  sampleRate: number;
  durationSeconds: number;
  chunks: number;
}

/** Validates the request and returns the sentences and per-sentence options; throws before any work. */
export function prepareSynthesis(
  model: SpeechModel,
  text: string,
  options: SynthesisOptions,
  limits: TextLimits = DEFAULT_TEXT_LIMITS,
): { sentences: string[]; sentenceOptions: SentenceOptions } {
  const voice = options.voice ?? model.defaultVoice;
  if (!model.voices.includes(voice)) {
    throw badInput(`The model has no voice "${voice}"; its voices are ${model.voices.join(', ')}.`, { voice, voices: [...model.voices] });
  }
  const speed = checkSpeed(options.speed);
  return { sentences: splitSentences(text, limits), sentenceOptions: { voice, speed, signal: options.signal } };
}

/** The speed asked for, or 1; out of range is BAD_USER_INPUT. Needs no model, so it can run first. */
export function checkSpeed(speed = 1): number {
  if (!Number.isFinite(speed) || speed < SPEED_RANGE.min || speed > SPEED_RANGE.max) {
    throw badInput(`speed must be between ${SPEED_RANGE.min} and ${SPEED_RANGE.max}; got ${speed}.`, { argument: 'speed', speed });
  }
  return speed;
}

/** How a caller runs one sentence: the model directly, or (in the engine) through its scheduler. */
export type SentenceRunner = (sentence: string, options: SentenceOptions) => Promise<Float32Array>;

export interface SynthesisPlan {
  limits?: TextLimits;
  runSentence?: SentenceRunner;
}

export async function* synthesize(
  model: SpeechModel,
  text: string,
  options: SynthesisOptions = {},
  plan: SynthesisPlan = {},
): AsyncGenerator<SpeechChunk> {
  const { sentences, sentenceOptions } = prepareSynthesis(model, text, options, plan.limits);
  const run = plan.runSentence ?? ((sentence, o) => model.synthesizeSentence(sentence, o));
  for (const [sequence, sentence] of sentences.entries()) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const samples = await run(sentence, sentenceOptions);
    yield { sequence, text: sentence, samples, sampleRate: model.sampleRate };
  }
}

export async function synthesizeToEnd(
  model: SpeechModel,
  text: string,
  options: SynthesisOptions = {},
  plan: SynthesisPlan = {},
): Promise<SynthesisResult> {
  const parts: Float32Array[] = [];
  for await (const chunk of synthesize(model, text, options, plan)) parts.push(chunk.samples);
  const samples = concatSamples(parts);
  return { samples, sampleRate: model.sampleRate, durationSeconds: samples.length / model.sampleRate, chunks: parts.length };
}
