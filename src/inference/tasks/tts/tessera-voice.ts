/**
 * The house voice (models/tessera-tts): espeak-ng phonemes, separated, with stress marks and
 * word and clause marks as their own tokens → `encoder` (per-token hidden states and
 * log(1 + frames)) → the states repeated by their durations, with each frame's position inside
 * its phoneme → `decoder` (log STFT magnitudes) → Griffin-Lim. Durations are rounded here, so
 * speed is a plain division and every frame count is known before the decoder runs.
 */
import { Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { TesseraError } from '../../../errors.js';
import type { OnnxRunner } from '../../types.js';
import { phonemizeClauses } from './espeak.js';
import { griffinLim } from './griffin-lim.js';
import type { SentenceOptions, SpeechModel } from './types.js';

const STRESS = new Set(['ˈ', 'ˌ']);
export const WORD_BREAK = ' ';
export const CLAUSE_BREAK = '_';

const tesseraConfig = z.object({
  model_type: z.literal('tessera-tts'),
  sampling_rate: z.number().int().positive(),
  n_fft: z.number().int().positive(),
  hop_length: z.number().int().positive(),
  magnitude_floor: z.number().positive(),
  hidden_size: z.number().int().positive(),
  position_features: z.literal(2),
  espeak_voice: z.string().min(1),
  unknown_id: z.number().int().min(0),
  phoneme_id_map: z.record(z.string(), z.number().int().min(0)),
  griffin_lim_iterations: z.number().int().min(1).default(32),
});

export type TesseraVoiceConfig = z.output<typeof tesseraConfig>;

export function parseTesseraConfig(json: unknown): TesseraVoiceConfig {
  const parsed = tesseraConfig.safeParse(json);
  if (!parsed.success) throw new Error(`config.json is not a tessera-tts config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** espeak-ng's separated IPA lines → tokens: phonemes, stress marks, word breaks, a clause break after each line. */
export function tesseraTokens(clauses: readonly string[]): string[] {
  const tokens: string[] = [];
  for (const clause of clauses) {
    clause.split('  ').forEach((word, w) => {
      if (w > 0) tokens.push(WORD_BREAK);
      for (let phoneme of word.split(' ')) {
        if (phoneme && STRESS.has(phoneme[0])) {
          tokens.push(phoneme[0]);
          phoneme = phoneme.slice(1);
        }
        if (phoneme) tokens.push(phoneme);
      }
    });
    tokens.push(CLAUSE_BREAK);
  }
  return tokens;
}

/** Hidden states repeated `frames[i]` times, each frame followed by (position in the phoneme, log(1 + its length) / 4). */
export function expandFrames(hidden: Float32Array, hiddenSize: number, frames: readonly number[]): { data: Float32Array; total: number } {
  const total = frames.reduce((a, b) => a + b, 0);
  const width = hiddenSize + 2;
  const data = new Float32Array(total * width);
  let row = 0;
  frames.forEach((count, token) => {
    const state = hidden.subarray(token * hiddenSize, (token + 1) * hiddenSize);
    const size = Math.log1p(count) / 4;
    for (let f = 0; f < count; f += 1, row += 1) {
      data.set(state, row * width);
      data[row * width + hiddenSize] = (f + 0.5) / count;
      data[row * width + hiddenSize + 1] = size;
    }
  });
  return { data, total };
}

export class TesseraVoice implements SpeechModel {
  readonly layout = 'tessera';
  readonly sampleRate: number;
  readonly voices = ['default'] as const;
  readonly defaultVoice = 'default';

  constructor(
    private readonly config: TesseraVoiceConfig,
    private readonly encoder: OnnxRunner,
    private readonly decoder: OnnxRunner,
  ) {
    this.sampleRate = config.sampling_rate;
  }

  async tokens(sentence: string, signal?: AbortSignal): Promise<string[]> {
    return tesseraTokens(await phonemizeClauses(sentence, { voice: this.config.espeak_voice, separated: true, signal }));
  }

  async synthesizeSentence(sentence: string, options: SentenceOptions): Promise<Float32Array> {
    const { config } = this;
    const ids = (await this.tokens(sentence, options.signal)).map((t) => config.phoneme_id_map[t] ?? config.unknown_id);
    const encoded = await this.encoder.run({ input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) }, options.signal);
    const logDurations = encoded.log_durations.data as Float32Array;
    const frames = Array.from(logDurations, (d) => Math.max(0, Math.round(Math.expm1(d) / options.speed)));
    const { data, total } = expandFrames(encoded.hidden.data as Float32Array, config.hidden_size, frames);
    if (total < 2) return new Float32Array(0);
    const decoded = await this.decoder.run({ frames: new Tensor('float32', data, [1, total, config.hidden_size + 2]) }, options.signal);
    const logMagnitude = decoded.log_magnitude;
    if (!logMagnitude) throw new TesseraError('INFERENCE_FAILED', 'the tessera-tts decoder returned no log_magnitude');
    const magnitude = Float32Array.from(logMagnitude.data as Float32Array, Math.exp);
    return griffinLim(magnitude, total, {
      nFft: config.n_fft,
      hop: config.hop_length,
      iterations: config.griffin_lim_iterations,
      signal: options.signal,
    });
  }
}
