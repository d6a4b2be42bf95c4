/**
 * Kokoro as transformers.js exports it (onnx-community/Kokoro-82M-*-ONNX): `onnx/model.onnx`
 * takes `input_ids` [1, N] (symbol ids with a 0 at each end), `style` [1, 256] and `speed` [1],
 * and returns `waveform` [1, samples] at 24 kHz. A voice is a `voices/<name>.bin` of float32
 * rows of 256, one per input length: the row for a sentence of n symbols is its style. The
 * symbol ids are the tokenizer's vocabulary over single IPA characters.
 */
import { Tensor } from 'onnxruntime-node';
import { TesseraError } from '../../../errors.js';
import type { OnnxRunner } from '../../types.js';
import { phonemizeClauses } from './espeak.js';
import { joinClauses, symbols } from './ipa-text.js';
import type { SentenceOptions, SpeechModel } from './types.js';

export const KOKORO_SAMPLE_RATE = 24000;
export const KOKORO_STYLE_SIZE = 256;
/** Ids between the two pads; the export's position table ends at 512. */
export const KOKORO_MAX_SYMBOLS = 510;

export interface KokoroParts {
  runner: OnnxRunner;
  /** Symbol → id, from tokenizer.json's `model.vocab`. */
  vocab: Record<string, number>;
  /** Voice name → its style rows (length a multiple of 256). */
  voices: Record<string, Float32Array>;
}

/** `tokenizer.json` (or a config.json that carries `vocab`) → the symbol ids. */
export function kokoroVocab(json: unknown): Record<string, number> {
  const record = (json ?? {}) as { model?: { vocab?: unknown }; vocab?: unknown };
  const vocab = record.model?.vocab ?? record.vocab;
  if (!vocab || typeof vocab !== 'object') throw new Error('a Kokoro model needs tokenizer.json with model.vocab');
  return vocab as Record<string, number>;
}

export class KokoroVoice implements SpeechModel {
  readonly layout = 'kokoro';
  readonly sampleRate = KOKORO_SAMPLE_RATE;
  readonly voices: readonly string[];
  readonly defaultVoice: string;

  constructor(private readonly parts: KokoroParts) {
    for (const name of ['input_ids', 'style', 'speed']) {
      if (!parts.runner.inputNames.includes(name)) throw new Error(`a Kokoro graph takes "${name}"; this one takes ${parts.runner.inputNames.join(', ')}`);
    }
    this.voices = Object.keys(parts.voices).sort();
    if (this.voices.length === 0) throw new Error('a Kokoro model needs at least one voices/<name>.bin');
    for (const [name, rows] of Object.entries(parts.voices)) {
      if (rows.length === 0 || rows.length % KOKORO_STYLE_SIZE !== 0) throw new Error(`voices/${name}.bin is not rows of ${KOKORO_STYLE_SIZE} float32`);
    }
    this.defaultVoice = this.voices.includes('af_heart') ? 'af_heart' : this.voices[0];
  }

  /** Kokoro names voices by accent: a… American English, b… British English. */
  static espeakVoice(voice: string): string {
    return voice.startsWith('b') ? 'en-gb' : 'en-us';
  }

  /** The symbol ids of one sentence, without the two pads. */
  async symbolIds(sentence: string, voice: string, signal?: AbortSignal): Promise<number[]> {
    const clauses = await phonemizeClauses(sentence, { voice: KokoroVoice.espeakVoice(voice), signal });
    const ids: number[] = [];
    for (const symbol of symbols(joinClauses(sentence, clauses), false)) {
      const id = this.parts.vocab[symbol];
      if (id !== undefined) ids.push(id);
    }
    return ids.slice(0, KOKORO_MAX_SYMBOLS);
  }

  /** The style row for a sentence of `length` symbols. */
  style(voice: string, length: number): Float32Array {
    const rows = this.parts.voices[voice];
    const row = Math.min(length, rows.length / KOKORO_STYLE_SIZE - 1);
    return rows.slice(row * KOKORO_STYLE_SIZE, (row + 1) * KOKORO_STYLE_SIZE);
  }

  async synthesizeSentence(sentence: string, options: SentenceOptions): Promise<Float32Array> {
    const ids = await this.symbolIds(sentence, options.voice, options.signal);
    const padded = [0, ...ids, 0];
    const outputs = await this.parts.runner.run(
      {
        input_ids: new Tensor('int64', BigInt64Array.from(padded, BigInt), [1, padded.length]),
        style: new Tensor('float32', this.style(options.voice, ids.length), [1, KOKORO_STYLE_SIZE]),
        speed: new Tensor('float32', Float32Array.of(options.speed), [1]),
      },
      options.signal,
    );
    const audio = outputs.waveform ?? outputs[this.parts.runner.outputNames[0]];
    if (!audio || audio.type !== 'float32') throw new TesseraError('INFERENCE_FAILED', 'the Kokoro graph returned no float waveform');
    return Float32Array.from(audio.data as Float32Array);
  }
}
