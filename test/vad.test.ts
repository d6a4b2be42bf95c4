import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../src/errors.js';
import { decodeAudio } from '../src/inference/media/audio.js';
import { resample } from '../src/inference/media/resample.js';
import type { OnnxRunner } from '../src/inference/types.js';
import { detectSpeech } from '../src/inference/tasks/vad/detect.js';
import { speechSegments } from '../src/inference/tasks/vad/segments.js';
import { loadRunner, VAD_MODEL } from './fixtures/media/runner.js';
import { runTool } from './fixtures/media/signals.js';

const RATE = 16000;
const work = mkdtempSync(join(tmpdir(), 'tessera-vad-test-'));
let model: OnnxRunner;

/** espeak-ng speaking `text`, decoded to 16 kHz, trimmed to where its energy says the voice is. */
async function spoken(text: string): Promise<Float32Array> {
  const path = join(work, `${text.length}-${text.charCodeAt(0)}.wav`);
  // No fallback: without espeak-ng this throws and the test fails.
  runTool('espeak-ng', ['-w', path, text]);
  const { samples } = await decodeAudio(readFileSync(path), { targetSampleRate: RATE, maxSeconds: 60 });
  const frame = RATE / 100;
  const loud: number[] = [];
  for (let f = 0; f + frame <= samples.length; f += frame) {
    let energy = 0;
    for (let i = f; i < f + frame; i++) energy += samples[i] * samples[i];
    if (Math.sqrt(energy / frame) > 0.01) loud.push(f);
  }
  return samples.slice(loud[0], loud[loud.length - 1] + frame);
}

/** Silence, speech, silence, ...: returns the audio and where each utterance lies, in seconds. */
function arrange(parts: (number | Float32Array)[]): { audio: Float32Array; speech: { start: number; end: number }[] } {
  const length = parts.reduce<number>((n, p) => n + (typeof p === 'number' ? Math.round(p * RATE) : p.length), 0);
  const audio = new Float32Array(length);
  const speech: { start: number; end: number }[] = [];
  let at = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      at += Math.round(part * RATE);
    } else {
      audio.set(part, at);
      speech.push({ start: at / RATE, end: (at + part.length) / RATE });
      at += part.length;
    }
  }
  return { audio, speech };
}

/** A seeded generator, so the noise is the same on every run. */
function noise(seconds: number, amplitude: number, seed = 12345): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 2 * amplitude;
  }
  return out;
}

beforeAll(async () => {
  model = await loadRunner(VAD_MODEL);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('detectSpeech with Silero VAD v5', () => {
  let scene: { audio: Float32Array; speech: { start: number; end: number }[] };

  beforeAll(async () => {
    const first = await spoken('The invoice was paid on Tuesday morning.');
    const second = await spoken('Please send the report before noon.');
    scene = arrange([1.5, first, 2.5, second, 1.5]);
  });

  it('finds each utterance placed between stretches of silence, within 0.3 s', async () => {
    const segments = await detectSpeech(scene.audio, RATE, model);
    expect(segments).toHaveLength(2);
    segments.forEach((segment, i) => {
      expect(Math.abs(segment.start - scene.speech[i].start)).toBeLessThan(0.3);
      expect(Math.abs(segment.end - scene.speech[i].end)).toBeLessThan(0.3);
    });
  });

  it('reads the same speech at 8 kHz natively and at 44.1 kHz through resampling', async () => {
    for (const rate of [8000, 44100]) {
      const segments = await detectSpeech(resample(scene.audio, RATE, rate), rate, model);
      expect(segments, `at ${rate} Hz`).toHaveLength(2);
      segments.forEach((segment, i) => {
        expect(Math.abs(segment.start - scene.speech[i].start)).toBeLessThan(0.3);
        expect(Math.abs(segment.end - scene.speech[i].end)).toBeLessThan(0.3);
      });
    }
  });

  it('finds nothing in silence or in white noise', async () => {
    expect(await detectSpeech(new Float32Array(3 * RATE), RATE, model)).toEqual([]);
    for (const amplitude of [0.05, 0.3]) {
      expect(await detectSpeech(noise(4, amplitude), RATE, model), `noise at ${amplitude}`).toEqual([]);
    }
    expect(await detectSpeech(new Float32Array(0), RATE, model)).toEqual([]);
  });

  it('stops within one window of cancellation', async () => {
    const controller = new AbortController();
    let calls = 0;
    const counting: OnnxRunner = {
      inputNames: model.inputNames,
      outputNames: model.outputNames,
      run: async (feeds, signal) => {
        calls++;
        if (calls === 5) controller.abort();
        return model.run(feeds, signal);
      },
    };
    const error = await detectSpeech(scene.audio, RATE, counting, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TesseraError);
    expect((error as TesseraError).code).toBe('CANCELLED');
    expect(calls).toBe(5);
  });

  it('refuses nonsense options and models that are not Silero', async () => {
    const bad = await detectSpeech(scene.audio, RATE, model, { threshold: 1.5 }).catch((e: unknown) => e);
    expect((bad as TesseraError).code).toBe('BAD_USER_INPUT');
    const other: OnnxRunner = { inputNames: ['x'], outputNames: ['y'], run: model.run };
    const wrong = await detectSpeech(scene.audio, RATE, other).catch((e: unknown) => e);
    expect((wrong as TesseraError).code).toBe('INFERENCE_FAILED');
  });
});

describe('speechSegments', () => {
  // 10 samples per window, 100 samples per second: window i covers [0.1·i, 0.1·i + 0.1) s.
  const options = { threshold: 0.5, offThreshold: 0.35, minSpeechSamples: 20, minSilenceSamples: 20, padSamples: 0 };
  const run = (probs: number[], overrides: Partial<typeof options> = {}) =>
    speechSegments(probs, 10, probs.length * 10, 100, { ...options, ...overrides });

  it('keeps a segment open through values between the two thresholds', () => {
    expect(run([0, 0.9, 0.4, 0.4, 0.4, 0.9, 0, 0, 0, 0])).toEqual([{ start: 0.1, end: 0.6 }]);
  });

  it('bridges pauses shorter than the minimum silence and splits on longer ones', () => {
    expect(run([0.9, 0.9, 0.1, 0.9, 0.9, 0, 0, 0])).toEqual([{ start: 0, end: 0.5 }]);
    expect(run([0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9, 0, 0, 0])).toEqual([
      { start: 0, end: 0.2 },
      { start: 0.5, end: 0.7 },
    ]);
  });

  it('drops speech shorter than the minimum and closes speech still open at the end', () => {
    expect(run([0, 0.9, 0, 0, 0, 0])).toEqual([]);
    expect(run([0, 0, 0.9, 0.9, 0.9])).toEqual([{ start: 0.2, end: 0.5 }]);
  });

  it('pads segments, splitting gaps too short for both pads, and stays inside the audio', () => {
    const probs = [0.9, 0.9, 0.9, 0, 0, 0.9, 0.9, 0.9, 0, 0, 0];
    expect(run(probs, { padSamples: 15 })).toEqual([
      { start: 0, end: 0.4 },
      { start: 0.4, end: 0.95 },
    ]);
  });
});
