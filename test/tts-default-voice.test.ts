/**
 * The default voice, tessera-tts, judged by ear — the house recogniser's: held-out sentences
 * (never in its training shards) are synthesized, sent as WAV bytes through the engine's
 * tessera-asr, and must come back within the model card's word error rate plus a margin for a
 * small sample; Silero VAD must hear speech over most of each clip.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tesseraTokens } from '../src/inference/tasks/tts/tessera-voice.js';
import { phonemizeClauses } from '../src/inference/tasks/tts/espeak.js';
import { synthesizeToEnd } from '../src/inference/tasks/tts/index.js';
import { wordErrorRate } from './fixtures/asr-speech/word-error-rate.js';
import { encodeWav, openRoundTrip, speechCoverage, transcribeWav, type RoundTrip } from './fixtures/tts/round-trip.js';

/** models/tessera-tts/README.md: WER of the round trip on the 30 held-out sentences, and a margin for a sample of six. */
const CARD_WER = 0.446;
const MARGIN = 0.15;
/** The card's lowest per-clip VAD speech share is well above this. */
const MIN_SPEECH_SHARE = 0.6;

const HELD_OUT = (JSON.parse(readFileSync('models/tessera-tts/recipe/heldout.json', 'utf8')) as string[]).slice(0, 6);

let trip: RoundTrip;

beforeAll(async () => {
  trip = await openRoundTrip();
}, 120_000);

afterAll(async () => {
  await trip?.close();
});

describe('tessera-tts', () => {
  it('reads espeak-ng phonemes with stress, word and clause marks as the tokens it was trained on', async () => {
    const clauses = await phonemizeClauses('Hello, world.', { voice: 'en-us', separated: true });
    expect(tesseraTokens(clauses)).toEqual(['h', 'ə', 'l', 'ˈ', 'oʊ', '_', 'w', 'ˈ', 'ɜː', 'l', 'd', '_']);
  });

  it('speaks held-out sentences that tessera-asr transcribes within the card word error rate, and VAD hears speech', async () => {
    const hypotheses: string[] = [];
    const shares: number[] = [];
    for (const text of HELD_OUT) {
      const result = await synthesizeToEnd(trip.voice, text);
      expect(result.sampleRate).toBe(22050);
      const wav = encodeWav(result.samples, result.sampleRate);
      hypotheses.push(await transcribeWav(trip.engine, wav));
      shares.push(await speechCoverage(trip.engine, wav));
    }
    const wer = wordErrorRate(HELD_OUT, hypotheses);
    expect(wer, JSON.stringify(hypotheses)).toBeLessThanOrEqual(CARD_WER + MARGIN);
    expect(Math.min(...shares), JSON.stringify(shares)).toBeGreaterThanOrEqual(MIN_SPEECH_SHARE);
  }, 300_000);

  it('speaks faster at speed 2: about half the duration', async () => {
    const text = HELD_OUT[0];
    const normal = await synthesizeToEnd(trip.voice, text);
    const fast = await synthesizeToEnd(trip.voice, text, { speed: 2 });
    const ratio = fast.durationSeconds / normal.durationSeconds;
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  }, 120_000);
});
