/**
 * Already-decoded samples handed to the engine directly (a pipeline step after VAD, a
 * benchmark): held to the same rules as decoded audio bytes, then brought to the model's rate.
 */
import { TesseraError, badInput } from '../../../errors.js';
import { resample } from '../../media/resample.js';
import type { SamplesInput } from './types.js';

export function samplesAt(input: SamplesInput, targetSampleRate: number, maxSeconds: number): SamplesInput {
  const { samples, sampleRate } = input;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw badInput(`The sample rate must be a positive integer, got ${sampleRate}.`);
  if (!(samples instanceof Float32Array) || samples.length === 0) throw badInput('The audio holds no samples.');
  const durationSeconds = samples.length / sampleRate;
  if (durationSeconds > maxSeconds) {
    throw new TesseraError('PAYLOAD_TOO_LARGE', `The audio is ${durationSeconds.toFixed(2)} s long; the limit is ${maxSeconds} s.`, {
      durationSeconds,
      maxSeconds,
    });
  }
  for (const v of samples) if (!Number.isFinite(v)) throw badInput('The audio samples must be finite numbers.');
  return sampleRate === targetSampleRate ? input : { samples: resample(samples, sampleRate, targetSampleRate), sampleRate: targetSampleRate };
}
