/**
 * The default speech recogniser, tessera-asr, heard through the engine on speech made during
 * the test: espeak-ng reads sentences that were held out of training, in voices (accent ×
 * variant) that were held out of training too, and its 22.05 kHz WAV goes in as bytes, so
 * the server's own decoding and resampling are part of what is measured.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import type { TranscriptionEvent } from '../src/inference/tasks/asr/types.js';
import { wordErrorRate } from './fixtures/asr-speech/word-error-rate.js';

const MODEL_DIR = 'models/tessera-asr';

/**
 * The first ten utterances of the model card's "unseen voices" split, as synth.py eval makes them
 * (sentence, voice, words per minute, pitch): sentences never trained on, whose dictionary words
 * all come from the held-out word slice, read by held-out accent × held-out variant voices.
 */
const HELD_OUT: { text: string; voice: string; speed: number; pitch: number }[] = [
  { text: 'the temperature in chile is five degrees', voice: 'en-029+klatt2', speed: 155, pitch: 55 },
  { text: 'the temperature in england is four hundred and ninety three degrees', voice: 'en-gb-x-gbcwmd+f2', speed: 182, pitch: 52 },
  { text: 'jumpiness cohesive bandit wink', voice: 'en-gb-x-gbcwmd+belinda', speed: 167, pitch: 36 },
  { text: 'sugar remember which leave and clever', voice: 'en-gb-x-gbcwmd+m3', speed: 135, pitch: 48 },
  { text: 'please teach another little lion later', voice: 'en-029+f2', speed: 145, pitch: 37 },
  { text: 'it was tiny in montreal in february', voice: 'en-029+m3', speed: 182, pitch: 53 },
  { text: 'it was sour in nevada yesterday', voice: 'en-gb-x-gbcwmd+john', speed: 170, pitch: 55 },
  { text: 'grab idiotic seem helsinki', voice: 'en-gb-x-gbcwmd+iven3', speed: 133, pitch: 42 },
  { text: 'set a timer for one hundred and ninety one seconds', voice: 'en-gb-x-gbcwmd+klatt2', speed: 148, pitch: 48 },
  { text: 'mentioned apricot marlin brought claw rambunctious secreting', voice: 'en-gb-x-gbcwmd+f2', speed: 166, pitch: 44 },
];

/** The model card's word error rate on unseen voices × unseen sentences (clean), and a margin for a sample of ten. */
const CARD_WER = 0.72;
const MARGIN = 0.15;

let engine: Engine;
let repo: string;

beforeAll(async () => {
  // Only this model's files, so the test loads nothing else.
  repo = mkdtempSync(path.join(tmpdir(), 'tessera-asr-'));
  const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'model.json'), 'utf8')) as { files: Record<string, { path: string }> };
  cpSync(path.join(MODEL_DIR, 'model.json'), path.join(repo, 'tessera-asr', 'model.json'));
  for (const { path: file } of Object.values(manifest.files)) cpSync(path.join(MODEL_DIR, file), path.join(repo, 'tessera-asr', file));
  engine = await Engine.create({
    modelsDir: repo,
    runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
    logger: silentLogger,
    limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 60 },
  });
  await engine.preloaded();
});

afterAll(async () => {
  await engine?.close();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

function speak(text: string, voice: string, speed = 160, pitch = 50): Uint8Array {
  // No fallback: without espeak-ng this throws and the test fails.
  return new Uint8Array(execFileSync('espeak-ng', ['--stdout', '-v', voice, '-s', String(speed), '-p', String(pitch), text]));
}

async function transcribe(audio: Uint8Array): Promise<Extract<TranscriptionEvent, { type: 'completed' }>> {
  for await (const event of await engine.transcribe('tessera-asr', audio, { language: 'en' })) {
    if (event.type === 'completed') return event;
  }
  throw new Error('the transcription stream ended without a completed event');
}

describe('tessera-asr on held-out synthetic speech', () => {
  it('transcribes unseen sentences in unseen voices within the model card word error rate', async () => {
    const references: string[] = [];
    const hypotheses: string[] = [];
    for (const { text, voice, speed, pitch } of HELD_OUT) {
      const result = await transcribe(speak(text, voice, speed, pitch));
      references.push(text);
      hypotheses.push(result.text);
    }
    const wer = wordErrorRate(references, hypotheses);
    expect(wer, hypotheses.map((h, i) => `${references[i]} → ${h}`).join('\n')).toBeLessThan(CARD_WER + MARGIN);
  });

  it('places the words inside the audio, in order', async () => {
    const text = 'the temperature in chile is five degrees';
    const audio = speak(text, 'en-029+klatt2', 155, 55);
    const result = await transcribe(audio);
    expect(result.durationSeconds).toBeGreaterThan(1);
    expect(result.segments.length).toBeGreaterThan(0);
    let previousEnd = 0;
    for (const segment of result.segments) {
      expect(segment.start).toBeGreaterThanOrEqual(previousEnd);
      expect(segment.end).toBeGreaterThan(segment.start);
      expect(segment.end).toBeLessThanOrEqual(result.durationSeconds);
      previousEnd = segment.end;
    }
    expect(wordErrorRate([text], [result.text]), result.text).toBeLessThan(0.5);
  });

  it('hears nothing in silence', async () => {
    const silence = { samples: new Float32Array(16000 * 2), sampleRate: 16000 };
    let completed: TranscriptionEvent | undefined;
    for await (const event of await engine.transcribe('tessera-asr', silence)) if (event.type === 'completed') completed = event;
    expect(completed).toMatchObject({ type: 'completed', text: '' });
  });
});
