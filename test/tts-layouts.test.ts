/**
 * The speech layouts on graphs built here with the exported models' input and output names:
 * Piper (VITS model.onnx + model.onnx.json) and Kokoro as transformers.js exports it. The
 * phonemes come from the real espeak-ng, so the ids checked are what a real voice would read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../src/errors.js';
import { KokoroVoice } from '../src/inference/tasks/tts/kokoro.js';
import { splitSentences } from '../src/inference/tasks/tts/sentences.js';
import { PiperVoice } from '../src/inference/tasks/tts/piper.js';
import { openSpeechModel, synthesize, synthesizeToEnd, type SpeechModel } from '../src/inference/tasks/tts/index.js';
import type { OnnxRunner } from '../src/inference/types.js';
import { KOKORO_SAMPLES_PER_ID, PIPER_SAMPLES_PER_ID, writeKokoroModel, writePiperVoice, type KokoroFixture, type PiperFixture } from './fixtures/tts/fixture-voices.js';
import { sessionRunner } from './fixtures/tts/session-runner.js';

let root: string;
let piper: PiperFixture;
let piperSpeakers: PiperFixture;
let kokoro: KokoroFixture;
const runners: { release(): Promise<void> }[] = [];
/** Runs of the real session, counted, to show that bad requests are refused before any. */
let piperRuns = 0;

async function open(files: Record<string, string>, graphKey: string): Promise<SpeechModel> {
  const runner = await sessionRunner(files[graphKey]);
  runners.push(runner);
  const counted: OnnxRunner = { ...runner, run: (feeds, signal) => ((piperRuns += 1), runner.run(feeds, signal)) };
  return openSpeechModel({ files, graphs: { [graphKey]: counted } });
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tessera-tts-layouts-'));
  piper = writePiperVoice(path.join(root, 'piper'));
  piperSpeakers = writePiperVoice(path.join(root, 'piper-speakers'), { speakers: { alice: 0, bob: 3 } });
  kokoro = writeKokoroModel(path.join(root, 'kokoro'));
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.release()));
  rmSync(root, { recursive: true, force: true });
});

describe('Piper voices', () => {
  it('reads BOS, each espeak-ng phoneme followed by the pad, clause punctuation, EOS', async () => {
    const voice = (await open(piper.files, 'model')) as PiperVoice;
    expect(voice.layout).toBe('piper');
    const m = piper.phonemeIdMap;
    // espeak-ng en-us: "həlˈoʊ" / "wˈɜːld" on two clause lines; the comma and full stop come back from the text.
    const symbols = Array.from('həlˈoʊ, wˈɜːld.');
    const expected = [m['^'][0], m._[0], ...symbols.flatMap((s) => [m[s][0], m._[0]]), m.$[0]];
    expect(await voice.phonemeIds('Hello, world.')).toEqual(expected);
  });

  it('makes audio of the length the ids and the length scale give, at the config sample rate; speed shortens it', async () => {
    const voice = await open(piper.files, 'model');
    const idCount = 2 + 2 * Array.from('həlˈoʊ, wˈɜːld.').length + 1;
    const normal = await synthesizeToEnd(voice, 'Hello, world.');
    expect(normal.sampleRate).toBe(22050);
    expect(normal.samples.length).toBe(idCount * PIPER_SAMPLES_PER_ID);
    expect(normal.samples[0]).toBeCloseTo(piper.config.noise_scale, 5);
    const fast = await synthesizeToEnd(voice, 'Hello, world.', { speed: 2 });
    expect(fast.samples.length).toBe(idCount * PIPER_SAMPLES_PER_ID * 0.5);
  });

  it('passes the chosen speaker of a multi-speaker voice as sid', async () => {
    const voice = await open(piperSpeakers.files, 'model');
    expect(voice.voices).toEqual(['alice', 'bob']);
    const bob = await synthesizeToEnd(voice, 'Hello.', { voice: 'bob' });
    expect(bob.samples[0]).toBeCloseTo(piperSpeakers.config.noise_scale + 3, 5);
    const alice = await synthesizeToEnd(voice, 'Hello.');
    expect(alice.samples[0]).toBeCloseTo(piperSpeakers.config.noise_scale, 5);
  });

  it('streams one chunk per sentence, in order, each with its text', async () => {
    const voice = await open(piper.files, 'model');
    const chunks = [];
    for await (const chunk of synthesize(voice, 'Hello, world. Hello world?  Hello.')) chunks.push(chunk);
    expect(chunks.map((c) => [c.sequence, c.text])).toEqual([
      [0, 'Hello, world.'],
      [1, 'Hello world?'],
      [2, 'Hello.'],
    ]);
    expect(chunks.every((c) => c.sampleRate === 22050 && c.samples.length > 0)).toBe(true);
  });

  it('refuses bad requests with stable codes before running the model', async () => {
    const voice = await open(piper.files, 'model');
    const before = piperRuns;
    const failure = async (text: string, options: Parameters<typeof synthesizeToEnd>[2]) => {
      try {
        await synthesizeToEnd(voice, text, options);
      } catch (error) {
        return error as TesseraError;
      }
      throw new Error('expected a failure');
    };
    expect((await failure('Hello.', { voice: 'nobody' })).code).toBe('BAD_USER_INPUT');
    expect((await failure('Hello.', { speed: 0 })).code).toBe('BAD_USER_INPUT');
    expect((await failure('Hello.', { speed: Number.NaN })).code).toBe('BAD_USER_INPUT');
    expect((await failure(' ...  ', {})).code).toBe('BAD_USER_INPUT');
    expect((await failure('word '.repeat(2000), {})).code).toBe('PAYLOAD_TOO_LARGE');
    expect(piperRuns).toBe(before);
  });

  it('stops when the signal is aborted between sentences, with CANCELLED', async () => {
    const voice = await open(piper.files, 'model');
    const controller = new AbortController();
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const chunk of synthesize(voice, 'Hello. Hello. Hello. Hello.', { signal: controller.signal })) {
        seen.push(chunk.sequence);
        controller.abort();
      }
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([0]);
    expect((caught as TesseraError).code).toBe('CANCELLED');
  });
});

describe('Kokoro (transformers.js export)', () => {
  it('reads the vocabulary ids between two pads, with the style row for that length and the speed', async () => {
    const model = (await open(kokoro.files, 'model')) as KokoroVoice;
    expect(model.layout).toBe('kokoro');
    expect(model.sampleRate).toBe(24000);
    expect(model.voices).toEqual(['af_fixture', 'bm_fixture']);
    const symbols = Array.from('həlˈoʊ, wˈɜːld.');
    expect(await model.symbolIds('Hello, world.', 'af_fixture')).toEqual(symbols.map((s) => kokoro.vocab[s]));
    const result = await synthesizeToEnd(model, 'Hello, world.', { voice: 'af_fixture' });
    // Two pads around the symbols; the fixture's waveform carries style[0] = row(n) / 1000.
    expect(result.samples.length).toBe((symbols.length + 2) * KOKORO_SAMPLES_PER_ID);
    expect(result.samples[0]).toBeCloseTo(symbols.length / 1000, 5);
    // A "b…" voice is British English, so espeak-ng's en-gb phonemes are read.
    expect(await model.symbolIds('Hello, world.', 'bm_fixture')).toEqual(Array.from('həlˈəʊ, wˈɜːld.').map((s) => kokoro.vocab[s]));
    const fast = await synthesizeToEnd(model, 'Hello, world.', { voice: 'bm_fixture', speed: 2 });
    expect(fast.samples.length).toBe(((symbols.length + 2) * KOKORO_SAMPLES_PER_ID) / 2);
    expect(fast.samples[0]).toBeCloseTo(-symbols.length / 1000, 5);
  });
});

describe('sentences', () => {
  it('cuts a sentence longer than one run takes at a comma or a space, losing no word', () => {
    const long = `${'one two three four five six, '.repeat(12)}and the end.`;
    const parts = splitSentences(`Short one! ${long} Last?`, { maxCharacters: 5000, maxSentenceCharacters: 100 });
    expect(parts[0]).toBe('Short one!');
    expect(parts.at(-1)).toBe('Last?');
    expect(parts.every((p) => p.length <= 100)).toBe(true);
    expect(parts.slice(1, -1).join(' ').split(' ')).toEqual(long.trim().split(' '));
    expect(parts[1].endsWith(',')).toBe(true);
  });
});
