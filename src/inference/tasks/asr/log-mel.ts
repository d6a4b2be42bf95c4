/**
 * Whisper's input features: the audio padded (or cut) to the chunk length, a centred STFT
 * (reflect padding, periodic Hann window, power spectrum), a Slaney-normalised mel filter
 * bank on the Slaney mel scale, log10, floored at 8 below the maximum, then (x + 4) / 4.
 * Parameters come from the model's preprocessor_config.json. Frames that only see the
 * zero padding are the log floor without any transform, which is most of a short clip.
 */
import { Fft } from './fft.js';
import type { Json } from './model-files.js';

export interface LogMelConfig {
  nMels: number;
  nFft: number;
  hopLength: number;
  sampleRate: number;
  /** Samples the encoder expects (chunk_length × sampling_rate, 30 s for Whisper). */
  nSamples: number;
  /** Frames the encoder expects (nSamples / hopLength, 3000 for Whisper). */
  nFrames: number;
}

export function logMelConfig(preprocessor: Json): LogMelConfig {
  const num = (key: string, fallback: number) => (typeof preprocessor[key] === 'number' ? (preprocessor[key] as number) : fallback);
  const sampleRate = num('sampling_rate', 16000);
  const hopLength = num('hop_length', 160);
  const nSamples = num('n_samples', num('chunk_length', 30) * sampleRate);
  return {
    nMels: num('feature_size', 80),
    nFft: num('n_fft', 400),
    hopLength,
    sampleRate,
    nSamples,
    nFrames: num('nb_max_frames', Math.floor(nSamples / hopLength)),
  };
}

const hzToMel = (hz: number) => (hz < 1000 ? (3 * hz) / 200 : 15 + Math.log(hz / 1000) * (27 / Math.log(6.4)));
const melToHz = (mel: number) => (mel < 15 ? (200 * mel) / 3 : 1000 * Math.exp((Math.log(6.4) / 27) * (mel - 15)));

/** Triangular filters, Slaney scale and area normalisation: one row of `bins` weights per mel band. */
export function melFilters(nMels: number, bins: number, sampleRate: number, fMin = 0, fMax = sampleRate / 2): Float64Array[] {
  const melMin = hzToMel(fMin);
  const melMax = hzToMel(fMax);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1)));
  const binHz = Array.from({ length: bins }, (_, k) => ((sampleRate / 2) * k) / (bins - 1));
  return Array.from({ length: nMels }, (_, m) => {
    const row = new Float64Array(bins);
    const [left, centre, right] = [edges[m], edges[m + 1], edges[m + 2]];
    const norm = 2 / (right - left);
    for (let k = 0; k < bins; k += 1) {
      const up = (binHz[k] - left) / (centre - left);
      const down = (right - binHz[k]) / (right - centre);
      row[k] = Math.max(0, Math.min(up, down)) * norm;
    }
    return row;
  });
}

/** Sparse form of a filter row: the first non-zero bin and the weights from there. */
interface Band {
  first: number;
  weights: Float64Array;
}

export class LogMelExtractor {
  private readonly fft: Fft;
  private readonly window: Float64Array;
  private readonly bands: Band[];
  private readonly bins: number;

  constructor(readonly config: LogMelConfig, filters?: number[][]) {
    const { nFft, nMels, sampleRate } = config;
    this.fft = new Fft(nFft);
    this.bins = Math.floor(nFft / 2) + 1;
    this.window = Float64Array.from({ length: nFft }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
    // preprocessor_config.json may carry the filters ([bins][mels]); computed otherwise.
    const rows = filters
      ? Array.from({ length: nMels }, (_, m) => Float64Array.from(filters, (binRow) => binRow[m]))
      : melFilters(nMels, this.bins, sampleRate, 0, 8000);
    this.bands = rows.map((row) => {
      let first = row.findIndex((w) => w !== 0);
      if (first < 0) first = 0;
      let last = row.length - 1;
      while (last > first && row[last] === 0) last -= 1;
      return { first, weights: row.slice(first, last + 1) };
    });
  }

  static fromPreprocessor(preprocessor: Json): LogMelExtractor {
    const filters = Array.isArray(preprocessor.mel_filters) ? (preprocessor.mel_filters as number[][]) : undefined;
    return new LogMelExtractor(logMelConfig(preprocessor), filters);
  }

  /** Features as [nMels, nFrames], row-major. */
  extract(samples: Float32Array): Float32Array {
    const { nFft, hopLength, nMels, nSamples, nFrames } = this.config;
    const length = Math.min(samples.length, nSamples);
    const half = nFft >> 1;
    // The padded chunk with reflect padding of half a window on both sides (centred frames).
    const padded = new Float64Array(nSamples + 2 * half);
    for (let i = 0; i < length; i += 1) padded[half + i] = samples[i];
    for (let i = 1; i <= half; i += 1) {
      padded[half - i] = padded[half + i];
      padded[half + nSamples - 1 + i] = padded[half + nSamples - 1 - i];
    }
    const mel = new Float64Array(nMels * nFrames);
    // Frames after this one see only zeros (the reflection of the zero tail is zero too).
    const live = Math.min(nFrames, Math.ceil((length + half) / hopLength) + 1);
    const frameA = new Float64Array(nFft);
    const frameB = new Float64Array(nFft);
    const re = new Float64Array(nFft);
    const im = new Float64Array(nFft);
    const powerA = new Float64Array(this.bins);
    const powerB = new Float64Array(this.bins);
    let max = -Infinity;
    // Two real frames per complex transform: one as the real part, the next as the imaginary.
    for (let t = 0; t < live; t += 2) {
      const second = t + 1 < live;
      for (let i = 0; i < nFft; i += 1) {
        frameA[i] = padded[t * hopLength + i] * this.window[i];
        frameB[i] = second ? padded[(t + 1) * hopLength + i] * this.window[i] : 0;
      }
      this.fft.transform(frameA, frameB, re, im);
      for (let k = 0; k < this.bins; k += 1) {
        const j = k === 0 ? 0 : nFft - k;
        // A[k] = (X[k] + conj X[N-k]) / 2 and B[k] = (X[k] − conj X[N-k]) / 2i.
        const ar = (re[k] + re[j]) / 2;
        const ai = (im[k] - im[j]) / 2;
        const br = (im[k] + im[j]) / 2;
        const bi = (re[j] - re[k]) / 2;
        powerA[k] = ar * ar + ai * ai;
        powerB[k] = br * br + bi * bi;
      }
      max = Math.max(max, this.melColumn(powerA, mel, t));
      if (second) max = Math.max(max, this.melColumn(powerB, mel, t + 1));
    }
    const silent = Math.log10(1e-10);
    if (live < nFrames) {
      max = Math.max(max, silent);
      for (let m = 0; m < nMels; m += 1) mel.fill(silent, m * nFrames + live, (m + 1) * nFrames);
    }
    const out = new Float32Array(nMels * nFrames);
    const floor = max - 8;
    for (let i = 0; i < out.length; i += 1) out[i] = (Math.max(mel[i], floor) + 4) / 4;
    return out;
  }

  /** Writes frame `t`'s log10 mel energies into column t of `mel`; returns their maximum. */
  private melColumn(power: Float64Array, mel: Float64Array, t: number): number {
    const { nFrames } = this.config;
    let max = -Infinity;
    for (let m = 0; m < this.bands.length; m += 1) {
      const { first, weights } = this.bands[m];
      let energy = 0;
      for (let k = 0; k < weights.length; k += 1) energy += weights[k] * power[first + k];
      const value = Math.log10(Math.max(energy, 1e-10));
      mel[m * nFrames + t] = value;
      if (value > max) max = value;
    }
    return max;
  }
}
