/**
 * Griffin-Lim with momentum ("fast Griffin-Lim", Perraudin et al. 2013): finds a waveform whose
 * short-time Fourier magnitudes match a predicted spectrogram by alternating between the
 * signal and the spectrogram domain, keeping the magnitudes and updating only the phases.
 * The STFT matches the one the default voice was trained on (periodic Hann window, frames
 * centred on hop multiples, reflect padding). Each iteration yields to the event loop, so a long
 * sentence never holds the server for more than one pass over its frames.
 */
import { abortError } from '../../../errors.js';
import { Fft } from '../asr/fft.js';

export interface GriffinLimOptions {
  nFft: number;
  hop: number;
  iterations?: number;
  /** 0 is classic Griffin-Lim; 0.99 converges in far fewer iterations. */
  momentum?: number;
  signal?: AbortSignal;
}

export class Stft {
  readonly bins: number;
  readonly window: Float64Array;
  private readonly fft: Fft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly outRe: Float64Array;
  private readonly outIm: Float64Array;

  constructor(
    readonly nFft: number,
    readonly hop: number,
  ) {
    this.bins = nFft / 2 + 1;
    this.window = Float64Array.from({ length: nFft }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft));
    this.fft = new Fft(nFft);
    this.re = new Float64Array(nFft);
    this.im = new Float64Array(nFft);
    this.outRe = new Float64Array(nFft);
    this.outIm = new Float64Array(nFft);
  }

  /** Samples covered by `frames` centred frames. */
  length(frames: number): number {
    return (frames - 1) * this.hop;
  }

  /**
   * Complex spectrogram [frames × bins] of `signal`, written into (re, im). Two real frames go
   * through one complex FFT (one as the real part, one as the imaginary part) and are separated
   * by the spectra's Hermitian symmetry, which halves the transforms.
   */
  forward(signal: Float32Array, frames: number, re: Float32Array, im: Float32Array): void {
    const { nFft, hop, bins, window } = this;
    const half = nFft / 2;
    for (let t = 0; t < frames; t += 2) {
      const second = t + 1 < frames;
      for (let n = 0; n < nFft; n += 1) {
        this.re[n] = window[n] * reflectAt(signal, t * hop + n - half);
        this.im[n] = second ? window[n] * reflectAt(signal, (t + 1) * hop + n - half) : 0;
      }
      this.fft.transform(this.re, this.im, this.outRe, this.outIm);
      for (let k = 0; k < bins; k += 1) {
        const zr = this.outRe[k];
        const zi = this.outIm[k];
        const yr = this.outRe[(nFft - k) % nFft];
        const yi = this.outIm[(nFft - k) % nFft];
        re[t * bins + k] = (zr + yr) / 2;
        im[t * bins + k] = (zi - yi) / 2;
        if (second) {
          re[(t + 1) * bins + k] = (zi + yi) / 2;
          im[(t + 1) * bins + k] = (yr - zr) / 2;
        }
      }
    }
  }

  /**
   * Windowed overlap-add inverse of a [frames × bins] spectrogram; two frames per complex FFT,
   * as in `forward`: Z = A + iB has the real inverse of A as its real part and of B as its
   * imaginary part, computed as conj(fft(conj(Z))) / N.
   */
  inverse(re: Float32Array, im: Float32Array, frames: number): Float32Array {
    const { nFft, hop, bins, window } = this;
    const half = nFft / 2;
    const total = this.length(frames) + nFft;
    const sum = new Float64Array(total);
    const weight = new Float64Array(total);
    for (let t = 0; t < frames; t += 2) {
      const second = t + 1 < frames;
      const a = t * bins;
      const b = (t + 1) * bins;
      for (let k = 0; k < nFft; k += 1) {
        const mirrored = k >= bins;
        const j = mirrored ? nFft - k : k;
        const ar = re[a + j];
        const ai = mirrored ? -im[a + j] : im[a + j];
        const br = second ? re[b + j] : 0;
        const bi = second ? (mirrored ? -im[b + j] : im[b + j]) : 0;
        this.re[k] = ar - bi;
        this.im[k] = -(ai + br);
      }
      this.fft.transform(this.re, this.im, this.outRe, this.outIm);
      for (const [frame, sign, part] of [[t, 1, this.outRe], [t + 1, -1, this.outIm]] as const) {
        if (frame >= frames) continue;
        const start = frame * hop;
        for (let n = 0; n < nFft; n += 1) {
          sum[start + n] += (sign * window[n] * part[n]) / nFft;
          weight[start + n] += window[n] * window[n];
        }
      }
    }
    const out = new Float32Array(this.length(frames));
    for (let i = 0; i < out.length; i += 1) {
      const w = weight[i + half];
      out[i] = w > 1e-8 ? sum[i + half] / w : 0;
    }
    return out;
  }
}

function reflectAt(signal: Float32Array, i: number): number {
  const n = signal.length;
  if (n === 1) return signal[0];
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return signal[j];
}

/** A waveform for the magnitudes `magnitude` [frames × (nFft/2 + 1)]. */
export async function griffinLim(magnitude: Float32Array, frames: number, options: GriffinLimOptions): Promise<Float32Array> {
  const stft = new Stft(options.nFft, options.hop);
  const size = frames * stft.bins;
  if (frames < 2) return new Float32Array(0);
  const iterations = options.iterations ?? 32;
  const momentum = options.momentum ?? 0.99;
  // Deterministic starting phases, so the same text always gives the same samples.
  const angleRe = new Float32Array(size);
  const angleIm = new Float32Array(size);
  let seed = 0x2545f491;
  for (let i = 0; i < size; i += 1) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const phase = (seed / 2 ** 32) * 2 * Math.PI;
    angleRe[i] = Math.cos(phase);
    angleIm[i] = Math.sin(phase);
  }
  const specRe = new Float32Array(size);
  const specIm = new Float32Array(size);
  const rebuiltRe = new Float32Array(size);
  const rebuiltIm = new Float32Array(size);
  const prevRe = new Float32Array(size);
  const prevIm = new Float32Array(size);
  const apply = () => {
    for (let i = 0; i < size; i += 1) {
      specRe[i] = magnitude[i] * angleRe[i];
      specIm[i] = magnitude[i] * angleIm[i];
    }
    return stft.inverse(specRe, specIm, frames);
  };
  const pull = momentum / (1 + momentum);
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) throw abortError(options.signal);
    stft.forward(apply(), frames, rebuiltRe, rebuiltIm);
    for (let i = 0; i < size; i += 1) {
      const re = rebuiltRe[i] - pull * prevRe[i];
      const im = rebuiltIm[i] - pull * prevIm[i];
      const norm = Math.hypot(re, im) + 1e-16;
      angleRe[i] = re / norm;
      angleIm[i] = im / norm;
    }
    prevRe.set(rebuiltRe);
    prevIm.set(rebuiltIm);
  }
  return apply();
}
