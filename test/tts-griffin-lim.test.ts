/**
 * The default voice's vocoder: the STFT pair it is built on reconstructs a signal exactly, and
 * Griffin-Lim finds a waveform whose magnitudes match a target's far better than random phases.
 */
import { describe, expect, it } from 'vitest';
import { griffinLim, Stft } from '../src/inference/tasks/tts/griffin-lim.js';

const N_FFT = 1024;
const HOP = 256;
const RATE = 22050;

/** A voiced-speech-like test signal: a 120→180 Hz glide with ten harmonics. */
function glide(frames: number): Float32Array {
  const out = new Float32Array((frames - 1) * HOP);
  let phase = 0;
  for (let i = 0; i < out.length; i += 1) {
    const f0 = 120 + (60 * i) / out.length;
    phase += (2 * Math.PI * f0) / RATE;
    let s = 0;
    for (let h = 1; h <= 10; h += 1) s += Math.sin(h * phase) / h;
    out[i] = 0.2 * s;
  }
  return out;
}

function magnitudes(stft: Stft, signal: Float32Array, frames: number): Float32Array {
  const re = new Float32Array(frames * stft.bins);
  const im = new Float32Array(frames * stft.bins);
  stft.forward(signal, frames, re, im);
  return re.map((r, i) => Math.hypot(r, im[i]));
}

function spectralConvergence(target: Float32Array, got: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < target.length; i += 1) {
    diff += (target[i] - got[i]) ** 2;
    norm += target[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

describe('Griffin-Lim vocoder', () => {
  it('inverse(forward(x)) gives x back', () => {
    const stft = new Stft(N_FFT, HOP);
    const frames = 40;
    const x = glide(frames);
    const re = new Float32Array(frames * stft.bins);
    const im = new Float32Array(frames * stft.bins);
    stft.forward(x, frames, re, im);
    const y = stft.inverse(re, im, frames);
    expect(y.length).toBe(x.length);
    let worst = 0;
    for (let i = 0; i < x.length; i += 1) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    expect(worst).toBeLessThan(1e-4);
  });

  it('recovers a waveform whose magnitudes match the target', async () => {
    const stft = new Stft(N_FFT, HOP);
    const frames = 60;
    const target = magnitudes(stft, glide(frames), frames);
    const once = await griffinLim(target, frames, { nFft: N_FFT, hop: HOP, iterations: 1 });
    const full = await griffinLim(target, frames, { nFft: N_FFT, hop: HOP, iterations: 32 });
    expect(full.length).toBe((frames - 1) * HOP);
    const first = spectralConvergence(target, magnitudes(stft, once, frames));
    const last = spectralConvergence(target, magnitudes(stft, full, frames));
    expect(last).toBeLessThan(0.2);
    expect(last).toBeLessThan(first / 2);
  });

  it('stops with CANCELLED when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const target = new Float32Array(10 * (N_FFT / 2 + 1)).fill(1);
    await expect(griffinLim(target, 10, { nFft: N_FFT, hop: HOP, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
