/**
 * Voice activity detection with Silero VAD v5: the model is a small recurrent net stepped
 * over fixed windows, carrying its state from one window to the next.
 *
 * Each step's input is the window with the previous window's last samples in front (64 at
 * 16 kHz, 32 at 8 kHz). The graph right-pads its input by that much (reflect) and frames it
 * with a 256-sample STFT at hop 128 (16 kHz), so 64 + 512 + 64 = 640 samples give exactly
 * four frames; a bare 512-sample window gives 3.5 and its probabilities flicker mid-word.
 */
import { Tensor } from 'onnxruntime-node';
import { TesseraError, throwIfAborted } from '../../../errors.js';
import { resample } from '../../media/resample.js';
import type { OnnxRunner, SpeechSegment } from '../../types.js';
import { speechSegments } from './segments.js';

export interface VadOptions {
  /** Probability at which speech starts; it ends below threshold − 0.15. */
  threshold?: number;
  /** Shorter speech is dropped. */
  minSpeechMs?: number;
  /** Shorter pauses do not end a segment. */
  minSilenceMs?: number;
  /** Added before and after each segment. */
  speechPadMs?: number;
  signal?: AbortSignal;
}

export const VAD_DEFAULTS = { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 100, speechPadMs: 30 } as const;

const HYSTERESIS = 0.15;
const STATE_SIZE = 2 * 128;
/** The rates the model was trained at, with their window and context lengths. */
const FRAMING: Record<number, { window: number; context: number }> = {
  16000: { window: 512, context: 64 },
  8000: { window: 256, context: 32 },
};

function checkOption(name: string, value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new TesseraError('BAD_USER_INPUT', `VAD option ${name} must be in [${min}, ${max}], got ${value}.`, { option: name, value });
  }
  return value;
}

function requireName(names: readonly string[], wanted: string, side: string): string {
  if (!names.includes(wanted)) {
    throw new TesseraError(
      'INFERENCE_FAILED',
      `The VAD model has no ${side} named "${wanted}" (it has ${names.join(', ')}); expected Silero VAD v5.`,
    );
  }
  return wanted;
}

export async function detectSpeech(
  audio: Float32Array,
  sampleRate: number,
  model: OnnxRunner,
  options: VadOptions = {},
): Promise<SpeechSegment[]> {
  const { signal } = options;
  const threshold = checkOption('threshold', options.threshold, 0.01, 0.99, VAD_DEFAULTS.threshold);
  const minSpeechMs = checkOption('minSpeechMs', options.minSpeechMs, 0, 600_000, VAD_DEFAULTS.minSpeechMs);
  const minSilenceMs = checkOption('minSilenceMs', options.minSilenceMs, 0, 600_000, VAD_DEFAULTS.minSilenceMs);
  const speechPadMs = checkOption('speechPadMs', options.speechPadMs, 0, 60_000, VAD_DEFAULTS.speechPadMs);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new TesseraError('BAD_USER_INPUT', `The sample rate must be a positive integer, got ${sampleRate}.`);
  }
  const inputName = requireName(model.inputNames, 'input', 'input');
  const stateName = requireName(model.inputNames, 'state', 'input');
  const rateName = requireName(model.inputNames, 'sr', 'input');
  const outputName = requireName(model.outputNames, 'output', 'output');
  const nextStateName = requireName(model.outputNames, 'stateN', 'output');
  throwIfAborted(signal);

  const rate = FRAMING[sampleRate] ? sampleRate : 16000;
  const samples = rate === sampleRate ? audio : resample(audio, sampleRate, rate);
  const { window, context } = FRAMING[rate];
  const windows = Math.ceil(samples.length / window);
  const probs = new Float32Array(windows);
  const srTensor = new Tensor('int64', BigInt64Array.from([BigInt(rate)]), []);
  let state: Tensor = new Tensor('float32', new Float32Array(STATE_SIZE), [2, 1, 128]);
  // Each step is [context | window]; the context is the tail of the step before (zeros at first).
  let previous = new Float32Array(context + window);

  for (let w = 0; w < windows; w++) {
    throwIfAborted(signal);
    const begin = w * window;
    const chunk = samples.subarray(begin, Math.min(begin + window, samples.length));
    const step = new Float32Array(context + window);
    step.set(previous.subarray(window), 0);
    // The last window is zero-padded to full length.
    step.set(chunk, context);
    previous = step;
    const outputs = await model.run(
      { [inputName]: new Tensor('float32', step, [1, step.length]), [stateName]: state, [rateName]: srTensor },
      signal,
    );
    probs[w] = (outputs[outputName].data as Float32Array)[0];
    state = outputs[nextStateName];
  }
  throwIfAborted(signal);

  const perMs = rate / 1000;
  const segments = speechSegments(probs, window, samples.length, rate, {
    threshold,
    offThreshold: Math.max(0.01, threshold - HYSTERESIS),
    minSpeechSamples: minSpeechMs * perMs,
    minSilenceSamples: minSilenceMs * perMs,
    padSamples: speechPadMs * perMs,
  });
  return segments;
}
