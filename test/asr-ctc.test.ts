/**
 * Speech to text with a CTC recogniser through the engine: the tone-alphabet fixture
 * (test/fixtures/asr/ctc-model.ts) spells known text, so every transcript is checked
 * against the text that made the audio. Long audio is cut by the real Silero VAD.
 */
import { copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import type { TranscriptionEvent } from '../src/inference/types.js';
import { bestPath, ctcSegments, ctcWords, parseVocab } from '../src/inference/tasks/asr/ctc-decode.js';
import { fixedWindows, WindowPlanner, windowsFromSpeech } from '../src/inference/tasks/asr/windows.js';
import { CTC_FRAME, CTC_RATE, CTC_TOKENS, ctcManifest, ctcModel, toneText, writeCtcModel } from './fixtures/asr/ctc-model.js';
import { tempRepository, writeModelFolder } from './fixtures/models/model-folder.js';
import { rejection } from './fixtures/models/rejection.js';
import { runTool, wavefileWav } from './fixtures/media/signals.js';
import { decodeAudio } from '../src/inference/media/audio.js';

const SECONDS_PER_FRAME = CTC_FRAME / CTC_RATE;

/** espeak-ng speaking `text` at 16 kHz, scaled to a 0.3 peak. */
async function spoken(dir: string, text: string): Promise<Float32Array> {
  const path = join(dir, 'speech.wav');
  runTool('espeak-ng', ['-w', path, text]);
  const { samples } = await decodeAudio(await readFile(path), { targetSampleRate: CTC_RATE, maxSeconds: 60 });
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  return samples.map((v) => (v / peak) * 0.3);
}

function join16k(parts: (number | Float32Array)[]): Float32Array {
  const length = parts.reduce<number>((n, p) => n + (typeof p === 'number' ? Math.round(p * CTC_RATE) : p.length), 0);
  const out = new Float32Array(length);
  let at = 0;
  for (const p of parts) {
    if (typeof p !== 'number') out.set(p, at);
    at += typeof p === 'number' ? Math.round(p * CTC_RATE) : p.length;
  }
  return out;
}

const wav = (samples: Float32Array, rate = CTC_RATE) => wavefileWav([Float64Array.from(samples)], rate, '16');

async function collect(events: AsyncIterable<TranscriptionEvent>): Promise<TranscriptionEvent[]> {
  const out: TranscriptionEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('greedy CTC decoding', () => {
  const vocab = parseVocab(Object.fromEntries(CTC_TOKENS.map((t, i) => [t, i])));
  const id = (t: string) => CTC_TOKENS.indexOf(t as never);

  it('collapses repeats, drops blanks and specials, splits words at the delimiter', () => {
    const path = [0, id('H'), id('H'), 0, id('E'), id('L'), 0, id('L'), id('<s>'), id('O'), id('|'), id('|'), id('W'), id('<unk>'), id('<unk>')];
    const words = ctcWords(path, vocab);
    expect(words.map((w) => w.text)).toEqual(['HELLO', 'W']);
    expect(words[0]).toMatchObject({ startFrame: 1, endFrame: 10 });
    expect(words[1]).toMatchObject({ startFrame: 12, endFrame: 13 });
    // A long enough run of blanks ends a word even without a delimiter.
    expect(ctcWords([id('A'), 0, 0, 0, id('B')], vocab, 3).map((w) => w.text)).toEqual(['A', 'B']);
    expect(ctcWords([id('A'), 0, 0, id('B')], vocab, 3).map((w) => w.text)).toEqual(['AB']);
  });

  it('starts a new segment at a pause, with times from frame positions', () => {
    const words = [
      { text: 'A', startFrame: 2, endFrame: 5 },
      { text: 'B', startFrame: 7, endFrame: 9 },
      { text: 'C', startFrame: 40, endFrame: 44 },
    ];
    expect(ctcSegments(words, 0.02, 25)).toEqual([
      { start: 0.04, end: 0.18, text: 'A B' },
      { start: 0.8, end: 0.88, text: 'C' },
    ]);
  });

  it('takes the lowest id among equal logits', () => {
    expect([...bestPath(Float32Array.from([1, 1, 0, 0, 3, 3]), 2, 3)]).toEqual([0, 1]);
  });
});

describe('windows for long audio', () => {
  it('merges neighbouring speech up to the window length and splits only overlong speech', () => {
    const rate = 10;
    const speech = [
      { start: 1, end: 5 },
      { start: 6, end: 20 },
      { start: 31, end: 33 },
      { start: 40, end: 105 },
    ];
    expect(windowsFromSpeech(speech, 1100, rate, 300)).toEqual([
      { start: 10, end: 200 },
      { start: 310, end: 330 },
      { start: 400, end: 616 },
      { start: 616, end: 833 },
      { start: 833, end: 1050 },
    ]);
    // Heard chunk by chunk, a window is handed out once no later speech could join it.
    const planner = new WindowPlanner(300);
    expect(planner.add([{ start: 10, end: 50 }, { start: 60, end: 200 }], 300)).toEqual([]);
    expect(planner.add([{ start: 310, end: 330 }, { start: 400, end: 600 }], 600)).toEqual([{ start: 10, end: 200 }]);
    // 600-1050 cannot join 310-600; having heard to 900, nothing later can join 600-1050 either.
    expect(planner.add([{ start: 600, end: 1050 }], 900)).toEqual([
      { start: 310, end: 600 },
      { start: 600, end: 825 },
      { start: 825, end: 1050 },
    ]);
    expect(planner.add([{ start: 1100, end: 1150 }], 1200)).toEqual([]);
    expect(planner.finish()).toEqual([{ start: 1100, end: 1150 }]);
    expect(fixedWindows(700, 300)).toEqual([
      { start: 0, end: 233 },
      { start: 233, end: 466 },
      { start: 466, end: 700 },
    ]);
  });
});

let repo: string;
let engine: Engine;

beforeAll(async () => {
  repo = await tempRepository();
  await symlink(resolve('node_modules'), join(repo, 'node_modules'));
  await writeCtcModel(repo);
  await mkdir(join(repo, 'silero-vad'));
  await copyFile(join('models', 'silero-vad', 'model.json'), join(repo, 'silero-vad', 'model.json'));
  engine = await Engine.create({
    modelsDir: repo,
    runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
    logger: silentLogger,
    limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 120 },
  });
});

afterAll(async () => {
  await engine?.close();
  await rm(repo, { recursive: true, force: true });
});

describe('the CTC fixture through the engine', () => {
  it('transcribes tone-spelled text, doubled letters included, with segment times from frames', async () => {
    const first = toneText('HELLO WORLD');
    const second = toneText('GOOD');
    const audio = join16k([0.2, first, 1, second, 0.3]);
    let started = 0;
    const events = await collect(await engine.transcribe(undefined, wav(audio), { onStart: () => (started += 1) }));
    expect(started).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['segment', 'segment', 'completed']);
    const completed = events.at(-1) as Extract<TranscriptionEvent, { type: 'completed' }>;
    expect(completed.text).toBe('HELLO WORLD GOOD');
    expect(completed.segments.map((s) => s.text)).toEqual(['HELLO WORLD', 'GOOD']);
    // Starts at the first tone frame; ends after the last tone frame of the segment.
    expect(completed.segments[0].start).toBeCloseTo(0.2, 2);
    const lastToneEnd = 0.2 + (first.length - CTC_FRAME) / CTC_RATE;
    expect(completed.segments[0].end).toBeCloseTo(lastToneEnd, 2);
    const secondStart = 0.2 + first.length / CTC_RATE + 1;
    expect(Math.abs(completed.segments[1].start - secondStart)).toBeLessThanOrEqual(SECONDS_PER_FRAME);
    expect(completed.durationSeconds).toBeCloseTo(audio.length / CTC_RATE, 3);
    expect(completed.stats.realTimeFactor).toBeGreaterThan(0);
    expect(completed.stats.computeMs).toBeGreaterThan(0);
  });

  it('transcribes given speech regions one by one, a line each, on the whole recording\'s clock', async () => {
    const first = toneText('SALT');
    const second = toneText('COIN');
    const audio = join16k([0.3, first, 0.8, second, 0.2]);
    const secondAt = 0.3 + first.length / CTC_RATE + 0.8;
    const regions = [
      { start: 0.2, end: 0.4 + first.length / CTC_RATE },
      { start: secondAt - 0.1, end: secondAt + second.length / CTC_RATE + 0.1 },
    ];
    let started = 0;
    const events = await collect(await engine.transcribe('tiny-ctc', wav(audio), { regions, onStart: () => (started += 1) }));
    expect(started).toBe(1);
    const completed = events.at(-1) as Extract<TranscriptionEvent, { type: 'completed' }>;
    expect(completed.text).toBe('SALT\nCOIN');
    expect(completed.segments.map((s) => s.text)).toEqual(['SALT', 'COIN']);
    expect(completed.segments[0].start).toBeCloseTo(0.3, 2);
    expect(Math.abs(completed.segments[1].start - secondAt)).toBeLessThanOrEqual(SECONDS_PER_FRAME);
    expect(events.filter((e) => e.type === 'segment').map((e) => (e.type === 'segment' ? e.segment : null))).toEqual(completed.segments);
    expect(completed.durationSeconds).toBeCloseTo(audio.length / CTC_RATE, 3);
  });

  it('takes decoded samples at another rate', async () => {
    const audio = join16k([0.1, toneText('SALT'), 0.1]);
    const at48k = new Float32Array(audio.length * 3);
    for (let i = 0; i < at48k.length; i += 1) at48k[i] = audio[Math.floor(i / 3)];
    const events = await collect(await engine.transcribe('tiny-ctc', { samples: at48k, sampleRate: 48000 }, {}));
    expect(events.at(-1)).toMatchObject({ type: 'completed', text: 'SALT' });
  });
  it('fails fast, before any stream, on bad input', async () => {
    const audio = { samples: toneText('SALT'), sampleRate: CTC_RATE };
    expect((await rejection(engine.transcribe('tiny-ctc', audio, { language: 'fr' }))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(engine.transcribe('nope', audio, {}))).code).toBe('MODEL_NOT_FOUND');
    expect((await rejection(engine.transcribe('silero-vad', audio, {}))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(engine.transcribe('tiny-ctc', { samples: audio.samples, sampleRate: 0 }, {}))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(engine.transcribe('tiny-ctc', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), {}))).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const long = { samples: new Float32Array(121 * CTC_RATE), sampleRate: CTC_RATE };
    expect((await rejection(engine.transcribe('tiny-ctc', long, {}))).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await rejection(engine.transcribe('tiny-ctc', wav(new Float32Array(121 * CTC_RATE)), {}))).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('fails to load, naming the file, when a CTC model lacks its vocabulary', async () => {
    await writeModelFolder(repo, 'no-vocab', { model: { path: 'onnx/model.onnx', bytes: ctcModel() } }, ctcManifest());
    await engine.loadModel('no-vocab');
    const error = await rejection(engine.transcribe('no-vocab', { samples: toneText('SALT'), sampleRate: CTC_RATE }, {}));
    expect(error.code).toBe('MODEL_LOAD_FAILED');
    expect(error.message).toContain('vocab.json');
  });

  it('stops with CANCELLED when the signal aborts while the stream is read', async () => {
    const controller = new AbortController();
    const audio = join16k([0.1, toneText('SALT'), 40]);
    const events = await engine.transcribe('tiny-ctc', { samples: audio, sampleRate: CTC_RATE }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await rejection(collect(events))).code).toBe('CANCELLED');
  });
});

describe('long audio cut by the Silero VAD', () => {
  let work: string;

  beforeAll(async () => {
    work = await tempRepository('tessera-asr-speech-');
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('decodes 70 s of speech blocks window by window, each block transcribed once at its place', async () => {
    const sentence = await spoken(work, 'The invoice was paid on Tuesday morning and the report went out.');
    const words = ['SALT', 'WORD', 'TIME', 'LOAD', 'REST', 'COIN'];
    // Blocks at frame-aligned starts; pauses of 3-9 s so that merging up to 30 s gives several windows.
    const starts = [1, 6.5, 15, 27, 40, 58];
    const total = 70;
    const audio = new Float32Array(total * CTC_RATE);
    const placed: { start: number; text: string }[] = [];
    starts.forEach((start, i) => {
      const at = Math.round((start * CTC_RATE) / CTC_FRAME) * CTC_FRAME;
      audio.set(sentence.subarray(0, Math.min(sentence.length, audio.length - at)), at);
      const tones = toneText(words[i]);
      const toneAt = at + 20 * CTC_FRAME;
      for (let n = 0; n < tones.length; n += 1) audio[toneAt + n] += tones[n];
      placed.push({ start: toneAt / CTC_RATE, text: words[i] });
    });
    const events = await collect(await engine.transcribe('tiny-ctc', wav(audio), {}));
    const completed = events.at(-1) as Extract<TranscriptionEvent, { type: 'completed' }>;
    expect(completed.text).toBe(words.join(' '));
    completed.segments.forEach((s, i) => expect(Math.abs(s.start - placed[i].start)).toBeLessThanOrEqual(2 * SECONDS_PER_FRAME));
  });
});

describe('long audio without a working VAD model', () => {
  it('falls back to fixed windows and still transcribes everything', async () => {
    const dir = await tempRepository();
    await writeCtcModel(dir);
    // A VAD model whose file is not what its manifest says: it fails to load.
    await writeModelFolder(dir, 'broken-vad', { model: { path: 'model.onnx', bytes: ctcModel() } }, {
      task: 'VAD',
      inputModalities: ['AUDIO'],
      outputModalities: ['SEGMENTS'],
      source: 'test',
      license: 'MIT',
      sha256: { model: '0'.repeat(64) },
    });
    const own = await Engine.create({
      modelsDir: dir,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
      logger: silentLogger,
      limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 120 },
    });
    try {
      // 40 s: two fixed 20 s windows; the words sit well inside each.
      const audio = join16k([5, toneText('SALT'), 20, toneText('COIN'), 14]);
      const events = await collect(await own.transcribe('tiny-ctc', { samples: audio, sampleRate: CTC_RATE }, {}));
      expect(events.at(-1)).toMatchObject({ type: 'completed', text: 'SALT COIN' });
      expect(own.model('broken-vad')?.status).toBe('FAILED');
    } finally {
      await own.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
