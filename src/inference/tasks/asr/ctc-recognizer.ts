/**
 * Wav2Vec2-style CTC recognisers (onnx graph `input_values` [batch, samples] → `logits`
 * [batch, frames, vocab]): normalise the window, one run, greedy CTC decoding.
 */
import { Tensor } from 'onnxruntime-node';
import { TesseraError } from '../../../errors.js';
import type { OnnxRunner } from '../../types.js';
import { bestPath, ctcSegments, ctcWords, parseVocab, type CtcVocab } from './ctc-decode.js';
import { checkLanguageList } from './languages.js';
import type { Json } from './model-files.js';
import type { Recognizer, WindowJob, WindowResult } from './types.js';

export interface CtcSettings {
  sampleRate: number;
  /** Zero mean, unit variance per window (preprocessor_config.json do_normalize). */
  normalize: boolean;
  /** Input samples per output frame (config.json inputs_to_logits_ratio). */
  samplesPerFrame: number;
  windowSeconds: number;
  /** Languages the manifest declares; absent: the language option is not checked. */
  languages: readonly string[] | undefined;
  /** A pause this long between words starts a new segment. */
  pauseSeconds: number;
}

/** The convolutional front end of these models needs at least one receptive field of input. */
const MIN_SAMPLES = 400;

export function normalizeSamples(samples: Float32Array, length: number): Float32Array {
  const out = new Float32Array(Math.max(length, samples.length));
  let mean = 0;
  for (const v of samples) mean += v;
  mean /= samples.length || 1;
  let variance = 0;
  for (const v of samples) variance += (v - mean) * (v - mean);
  variance /= samples.length || 1;
  // The same epsilon as Hugging Face's Wav2Vec2FeatureExtractor, so silence stays finite.
  const scale = 1 / Math.sqrt(variance + 1e-7);
  for (let i = 0; i < samples.length; i += 1) out[i] = (samples[i] - mean) * scale;
  return out;
}

export function ctcSettings(config: Json, preprocessor: Json, settings: Record<string, unknown>): CtcSettings {
  const languages = settings.languages;
  return {
    sampleRate: typeof preprocessor.sampling_rate === 'number' ? preprocessor.sampling_rate : 16000,
    normalize: preprocessor.do_normalize !== false,
    samplesPerFrame: typeof config.inputs_to_logits_ratio === 'number' ? config.inputs_to_logits_ratio : 320,
    windowSeconds: typeof settings.windowSeconds === 'number' ? settings.windowSeconds : 30,
    languages: Array.isArray(languages) ? languages.map(String) : undefined,
    pauseSeconds: typeof settings.pauseSeconds === 'number' ? settings.pauseSeconds : 0.5,
  };
}

export class CtcRecognizer implements Recognizer {
  readonly sampleRate: number;
  readonly windowSeconds: number;
  private readonly output: string;

  constructor(
    private readonly runner: OnnxRunner,
    private readonly vocab: CtcVocab,
    private readonly settings: CtcSettings,
  ) {
    this.sampleRate = settings.sampleRate;
    this.windowSeconds = settings.windowSeconds;
    this.output = runner.outputNames.includes('logits') ? 'logits' : runner.outputNames[0];
  }

  static create(runner: OnnxRunner, vocabJson: Json, config: Json, preprocessor: Json, settings: Record<string, unknown>): CtcRecognizer {
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : undefined;
    const vocab = parseVocab(vocabJson, { padToken, delimiterToken: typeof config.word_delimiter_token === 'string' ? config.word_delimiter_token : undefined });
    if (typeof config.pad_token_id === 'number' && vocab.tokens[config.pad_token_id] !== undefined) vocab.blank = config.pad_token_id;
    return new CtcRecognizer(runner, vocab, ctcSettings(config, preprocessor, settings));
  }

  checkLanguage(language: string | undefined): void {
    checkLanguageList(language, this.settings.languages);
  }

  async transcribeWindow(job: WindowJob, signal: AbortSignal): Promise<WindowResult> {
    const length = Math.max(job.samples.length, MIN_SAMPLES);
    const input = this.settings.normalize ? normalizeSamples(job.samples, length) : padTo(job.samples, length);
    const outputs = await this.runner.run({ input_values: new Tensor('float32', input, [1, input.length]) }, signal);
    const logits = outputs[this.output];
    if (!logits || logits.dims.length !== 3) {
      throw new TesseraError('INFERENCE_FAILED', `The CTC model's ${this.output} output has shape [${logits?.dims.join(', ')}]; expected [batch, frames, vocab].`);
    }
    const [, frames, vocabSize] = logits.dims;
    const path = bestPath(logits.data as Float32Array, frames, vocabSize);
    const secondsPerFrame = this.settings.samplesPerFrame / this.sampleRate;
    const pauseFrames = Math.max(1, Math.round(this.settings.pauseSeconds / secondsPerFrame));
    const segments = ctcSegments(ctcWords(path, this.vocab, pauseFrames), secondsPerFrame, pauseFrames);
    // The last frame can reach past the audio by the padding the convolutions add.
    const duration = job.samples.length / this.sampleRate;
    return { segments: segments.map((s) => ({ ...s, start: Math.min(s.start, duration), end: Math.min(s.end, duration) })) };
  }
}

function padTo(samples: Float32Array, length: number): Float32Array {
  if (samples.length >= length) return samples;
  const out = new Float32Array(length);
  out.set(samples);
  return out;
}
