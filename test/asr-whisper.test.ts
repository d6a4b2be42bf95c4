/**
 * The Whisper-family path: log-mel features against transformers.js' WhisperFeatureExtractor,
 * and a Whisper-layout fixture (test/fixtures/asr/whisper-model.ts) whose transcript spells
 * the prompt tokens it saw, the loudness its encoder cache carried, and the timestamps it
 * was allowed, through the engine with its real sessions.
 */
import { rm } from 'node:fs/promises';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { LogMelExtractor } from '../src/inference/tasks/asr/log-mel.js';
import { Fft } from '../src/inference/tasks/asr/fft.js';
import type { TranscriptionEvent } from '../src/inference/types.js';
import { checkWhisperLanguage, promptTokens, whisperVocabulary } from '../src/inference/tasks/asr/whisper-tokens.js';
import { maskTimestamps, timestampSegments } from '../src/inference/tasks/asr/whisper-timestamps.js';
import { whisperTokenizer, writeWhisperModel } from './fixtures/asr/whisper-model.js';
import { tempRepository } from './fixtures/models/model-folder.js';
import { rejection } from './fixtures/models/rejection.js';

const RATE = 16000;

function signal(seconds: number, seed = 7): Float32Array {
  let state = seed;
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const noise = (state / 2 ** 32 - 0.5) * 0.05;
    out[i] = 0.4 * Math.sin((2 * Math.PI * 440 * i) / RATE) * Math.sin((2 * Math.PI * 0.5 * i) / RATE) + noise;
  }
  return out;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

const preprocessor = (nMels: number) => ({
  feature_extractor_type: 'WhisperFeatureExtractor',
  feature_size: nMels,
  n_fft: 400,
  hop_length: 160,
  sampling_rate: RATE,
  chunk_length: 30,
  n_samples: 480000,
  nb_max_frames: 3000,
  padding_value: 0,
  return_attention_mask: false,
});

describe('log-mel features', () => {
  it('has a mixed-radix FFT equal to the plain DFT', () => {
    const fft = new Fft(400);
    const x = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.3) + (i % 7) / 7);
    const re = new Float64Array(400);
    const im = new Float64Array(400);
    fft.transform(x, null, re, im);
    for (const k of [0, 1, 13, 200, 399]) {
      let dr = 0;
      let di = 0;
      for (let n = 0; n < 400; n += 1) {
        dr += x[n] * Math.cos((-2 * Math.PI * k * n) / 400);
        di += x[n] * Math.sin((-2 * Math.PI * k * n) / 400);
      }
      expect(Math.abs(re[k] - dr) + Math.abs(im[k] - di)).toBeLessThan(1e-9);
    }
  });

  it('equals transformers.js WhisperFeatureExtractor: [n_mels, 3000] for short, 10 s, 30 s+ clips, 80 and 128 mels', async () => {
    for (const nMels of [80, 128]) {
      const ours = LogMelExtractor.fromPreprocessor(preprocessor(nMels));
      const reference = new WhisperFeatureExtractor(preprocessor(nMels));
      for (const seconds of [0.5, 10, 31]) {
        const audio = signal(seconds, seconds * 10 + nMels);
        const { input_features } = await reference(audio);
        expect(input_features.dims).toEqual([1, nMels, 3000]);
        const mine = ours.extract(audio);
        expect(mine.length).toBe(nMels * 3000);
        expect(maxDifference(mine, input_features.data as Float32Array), `${nMels} mels, ${seconds} s`).toBeLessThan(1e-4);
      }
    }
  });
});

describe('Whisper prompt and timestamp rules', () => {
  const { tokenizer, id, vocabSize } = whisperTokenizer();
  const multilingual = whisperVocabulary(
    { decoder_start_token_id: id('<|startoftranscript|>'), lang_to_id: { '<|en|>': id('<|en|>'), '<|de|>': id('<|de|>') }, no_timestamps_token_id: id('<|notimestamps|>') },
    tokenizer,
  );
  const englishOnly = whisperVocabulary({ is_multilingual: false }, tokenizer);

  it('reads the special tokens from generation_config.json, falling back to the tokenizer', () => {
    expect(promptTokens(multilingual, id('<|de|>'), false)).toEqual([id('<|startoftranscript|>'), id('<|de|>'), id('<|transcribe|>'), id('<|notimestamps|>')]);
    expect(promptTokens(multilingual, id('<|de|>'), true)).toEqual([id('<|startoftranscript|>'), id('<|de|>'), id('<|transcribe|>')]);
    // English-only models take neither a language nor a task token.
    expect(promptTokens(englishOnly, undefined, false)).toEqual([id('<|startoftranscript|>'), id('<|notimestamps|>')]);
    expect(englishOnly.timestampBegin).toBe(id('<|0.00|>'));
    expect(() => checkWhisperLanguage(englishOnly, 'en')).not.toThrow();
    expect(() => checkWhisperLanguage(englishOnly, 'de')).toThrow(/English only/);
    expect(() => checkWhisperLanguage(multilingual, 'fr')).toThrow(/does not know/);
  });

  it('opens with a timestamp, pairs them around text, never goes back in time', () => {
    const allowed = (generated: number[]) => {
      const logits = new Float32Array(vocabSize);
      maskTimestamps(logits, generated, englishOnly);
      return (token: string) => logits[id(token)] !== -Infinity;
    };
    const text = id(' loud');
    const first = allowed([]);
    expect([first('<|0.00|>'), first('<|1.00|>'), first('<|1.02|>'), first(' loud')]).toEqual([true, true, false, false]);
    const opened = allowed([id('<|0.40|>')]);
    expect([opened(' loud'), opened('<|0.60|>')]).toEqual([true, false]);
    const inText = allowed([id('<|0.40|>'), text]);
    // A segment cannot close at the time it opened…
    expect([inText(' quiet'), inText('<|0.38|>'), inText('<|0.40|>'), inText('<|1.00|>')]).toEqual([true, false, false, true]);
    // …but the next one may open at the time the last one closed.
    const closed = allowed([id('<|0.40|>'), text, id('<|1.00|>')]);
    expect([closed(' quiet'), closed('<|0.98|>'), closed('<|1.00|>'), closed('<|endoftext|>')]).toEqual([false, false, true, true]);
    const paired = allowed([id('<|0.40|>'), text, id('<|1.00|>'), id('<|1.00|>')]);
    expect([paired(' quiet'), paired('<|1.02|>')]).toEqual([true, false]);
  });

  it('parses segments between timestamps and closes an open one at the window end', () => {
    const decode = (ids: number[]) => ids.map((t) => (t === id(' loud') ? 'loud' : 'quiet')).join(' ');
    const generated = [id('<|0.00|>'), id(' loud'), id('<|1.00|>'), id('<|1.00|>'), id(' quiet'), id(' loud'), id('<|1.50|>'), id('<|1.60|>'), id(' quiet')];
    expect(timestampSegments(generated, englishOnly, 3, decode)).toEqual([
      { start: 0, end: 1, text: 'loud' },
      { start: 1, end: 1.5, text: 'quiet loud' },
      { start: 1.6, end: 3, text: 'quiet' },
    ]);
  });
});

async function collect(events: AsyncIterable<TranscriptionEvent>) {
  const all: TranscriptionEvent[] = [];
  for await (const e of events) all.push(e);
  const completed = all.at(-1);
  if (completed?.type !== 'completed') throw new Error('no completion');
  const tokens = all.flatMap((e) => (e.type === 'token' ? [e.text] : []));
  return { all, completed, tokens };
}

describe('a Whisper-layout model through the engine', () => {
  let repo: string;
  let engine: Engine;
  const loud = signal(3);
  const quiet = new Float32Array(3 * RATE);

  beforeAll(async () => {
    repo = await tempRepository();
    await writeWhisperModel(repo, { name: 'whisper-merged' });
    await writeWhisperModel(repo, { name: 'whisper-split', layout: 'split' });
    await writeWhisperModel(repo, { name: 'whisper-timestamps', settings: { timestamps: true } });
    engine = await Engine.create({
      modelsDir: repo,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
      logger: silentLogger,
      limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 60 },
    });
  });

  afterAll(async () => {
    await engine?.close();
    await rm(repo, { recursive: true, force: true });
  });

  it('prompts <|startoftranscript|> <|fr|> <|transcribe|> <|notimestamps|> and streams the text token by token', async () => {
    const { all, completed, tokens } = await collect(await engine.transcribe('whisper-merged', { samples: loud, sampleRate: RATE }, { language: 'fr' }));
    expect(completed.text).toBe('sot fr transcribe notimestamps loud');
    // Tokens first, then the window's segment, then the completion.
    expect(all.map((e) => e.type)).toEqual([...tokens.map(() => 'token'), 'segment', 'completed']);
    expect(tokens.join('').trim()).toBe(completed.text);
    expect(tokens.length).toBe(5);
    expect(completed.segments).toEqual([{ start: 0, end: 3, text: completed.text }]);
  });

  it('carries the encoder output in the cross-attention cache: quiet audio reads "quiet"', async () => {
    const { completed } = await collect(await engine.transcribe('whisper-merged', { samples: quiet, sampleRate: RATE }, { language: 'en' }));
    expect(completed.text).toBe('sot en transcribe notimestamps quiet');
  });

  it('detects the language from the first decoder step when none is asked for', async () => {
    expect((await collect(await engine.transcribe('whisper-merged', { samples: loud, sampleRate: RATE }, {}))).completed.text).toBe(
      'sot de transcribe notimestamps loud',
    );
    expect((await collect(await engine.transcribe('whisper-merged', { samples: quiet, sampleRate: RATE }, {}))).completed.text).toBe(
      'sot fr transcribe notimestamps quiet',
    );
  });

  it('runs the split layout (decoder_model + decoder_with_past_model) to the same transcript', async () => {
    const { completed } = await collect(await engine.transcribe('whisper-split', { samples: loud, sampleRate: RATE }, { language: 'de' }));
    expect(completed.text).toBe('sot de transcribe notimestamps loud');
  });

  it('decodes timestamp tokens into segments when the model is set to', async () => {
    const { completed } = await collect(await engine.transcribe('whisper-timestamps', { samples: loud, sampleRate: RATE }, { language: 'de' }));
    // No <|notimestamps|> in the prompt; <|0.00|> opens the segment and <|2.00|> closes it.
    expect(completed.segments).toEqual([{ start: 0, end: 2, text: 'sot de transcribe loud' }]);
  });

  it('refuses a language the model does not know, before any work', async () => {
    const error = await rejection(engine.transcribe('whisper-merged', { samples: loud, sampleRate: RATE }, { language: 'ja' }));
    expect(error.code).toBe('BAD_USER_INPUT');
    const empty = await rejection(engine.transcribe('whisper-merged', { samples: new Float32Array(0), sampleRate: RATE }, {}));
    expect(empty.code).toBe('BAD_USER_INPUT');
  });
});
