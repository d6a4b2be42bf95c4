/**
 * Piper voices: a VITS graph (`model.onnx`) beside its `model.onnx.json`. The graph takes
 * phoneme ids (`input` [1, N], `input_lengths` [1]), the three VITS scales (`scales`:
 * noise, length, noise-w; speed divides the length scale) and, for multi-speaker voices, a
 * speaker id (`sid`), and returns the waveform (`output`) at the config's sample rate.
 */
import { Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { TesseraError } from '../../../errors.js';
import type { OnnxRunner } from '../../types.js';
import { phonemizeClauses } from './espeak.js';
import { joinClauses, symbols } from './ipa-text.js';
import { piperPhonemeIds, type PhonemeIdMap } from './piper-ids.js';
import type { SentenceOptions, SpeechModel } from './types.js';

const piperConfig = z.object({
  audio: z.object({ sample_rate: z.number().int().positive() }),
  espeak: z.object({ voice: z.string().min(1) }),
  inference: z
    .object({ noise_scale: z.number().default(0.667), length_scale: z.number().default(1), noise_w: z.number().default(0.8) })
    .default({ noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }),
  phoneme_id_map: z.record(z.string(), z.array(z.number().int().min(0))),
  num_speakers: z.number().int().min(1).default(1),
  speaker_id_map: z.record(z.string(), z.number().int().min(0)).default({}),
});

export type PiperConfig = z.output<typeof piperConfig>;

export function parsePiperConfig(json: unknown): PiperConfig {
  const parsed = piperConfig.safeParse(json);
  if (!parsed.success) throw new Error(`model.onnx.json is not a Piper voice config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export class PiperVoice implements SpeechModel {
  readonly layout = 'piper';
  readonly sampleRate: number;
  readonly voices: readonly string[];
  readonly defaultVoice: string;

  constructor(
    private readonly config: PiperConfig,
    private readonly runner: OnnxRunner,
  ) {
    for (const name of ['input', 'input_lengths', 'scales']) {
      if (!runner.inputNames.includes(name)) throw new Error(`a Piper graph takes "${name}"; this one takes ${runner.inputNames.join(', ')}`);
    }
    this.sampleRate = config.audio.sample_rate;
    const speakers = Object.keys(config.speaker_id_map);
    this.voices = speakers.length > 0 ? speakers : ['default'];
    this.defaultVoice = this.voices[0];
  }

  /** The ids the graph reads for one sentence, BOS/pad/EOS included. */
  async phonemeIds(sentence: string, signal?: AbortSignal): Promise<number[]> {
    const clauses = await phonemizeClauses(sentence, { voice: this.config.espeak.voice, signal });
    const { ids } = piperPhonemeIds(symbols(joinClauses(sentence, clauses), true), this.config.phoneme_id_map as PhonemeIdMap);
    return ids;
  }

  async synthesizeSentence(sentence: string, options: SentenceOptions): Promise<Float32Array> {
    const ids = await this.phonemeIds(sentence, options.signal);
    const { noise_scale, length_scale, noise_w } = this.config.inference;
    const feeds: Record<string, Tensor> = {
      input: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new Tensor('int64', BigInt64Array.of(BigInt(ids.length)), [1]),
      scales: new Tensor('float32', Float32Array.of(noise_scale, length_scale / options.speed, noise_w), [3]),
    };
    if (this.runner.inputNames.includes('sid')) {
      const sid = this.config.speaker_id_map[options.voice] ?? 0;
      feeds.sid = new Tensor('int64', BigInt64Array.of(BigInt(sid)), [1]);
    }
    const outputs = await this.runner.run(feeds, options.signal);
    const audio = outputs.output ?? outputs[this.runner.outputNames[0]];
    if (!audio || audio.type !== 'float32') throw new TesseraError('INFERENCE_FAILED', 'the Piper graph returned no float audio');
    return Float32Array.from(audio.data as Float32Array);
  }
}
