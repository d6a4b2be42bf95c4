/**
 * asr: speech to text with the default recogniser (models/tessera-asr; the tone-alphabet CTC
 * fixture from the tests when that model is not in the checkout), side by side:
 *   engine        — engine.transcribe in process
 *   GraphQL (ws)  — the transcribe subscription over a real graphql-ws connection
 * interleaved clip by clip on a 10 s clip: latency to the first transcribed segment and to
 * the whole transcript, with GraphQL / engine ratios; the real-time factor on 10 s and on
 * 60 s (cut into windows at the Silero VAD's speech boundaries); and the Whisper log-mel
 * features, ours against transformers.js' WhisperFeatureExtractor.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { print } from 'graphql';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import { Engine } from '../../src/inference/engine.js';
import { decodeAudio } from '../../src/inference/media/audio.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import { LogMelExtractor } from '../../src/inference/tasks/asr/log-mel.js';
import { TranscribeDocument } from '../../test/generated/graphql.js';
import { wsClient } from '../../test/support/client.js';
import { toneText, writeCtcModel } from '../../test/fixtures/asr/ctc-model.js';
import { wavefileWav } from '../../test/fixtures/media/signals.js';
import { fmt, ratio, type SuiteReport, type Table, type Target } from '../lib/report.js';
import { engineRuntime, removeDir, repoRoot, startServer, tempDir, type BenchOptions } from '../lib/setup.js';
import { interleave, summarize, within } from '../lib/stats.js';

const DEFAULT_MODEL = 'tessera-asr';
const RATE = 16000;
const SENTENCES = [
  'The invoice was paid on Tuesday morning.',
  'Please send the report before noon.',
  'The meeting moved to the second floor.',
  'Our train leaves at seven in the evening.',
  'She found the keys under the kitchen table.',
  'We will review the numbers next week.',
];
const TONE_WORDS = ['SALT', 'WORD', 'TIME', 'LOAD', 'REST', 'COIN'];

interface Sample {
  firstSegmentMs: number;
  totalMs: number;
}

/** The default recogniser (linked, preload on) when it is in the checkout, else the CTC fixture; Silero VAD beside it. */
async function repository(): Promise<{ dir: string; model: string; real: boolean }> {
  const dir = await tempDir('tessera-bench-asr-');
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  await mkdir(path.join(dir, 'silero-vad'));
  await copyFile(path.join(repoRoot, 'models/silero-vad/model.json'), path.join(dir, 'silero-vad/model.json'));
  // TESSERA_BENCH_ASR_DIR: another folder with a tessera-asr model.json (e.g. a fresh export) in place of models/tessera-asr.
  const source = process.env.TESSERA_BENCH_ASR_DIR ?? path.join(repoRoot, 'models', DEFAULT_MODEL);
  if (!existsSync(path.join(source, 'model.json'))) {
    await writeCtcModel(dir, 'tiny-ctc', { preload: true });
    return { dir, model: 'tiny-ctc', real: false };
  }
  const target = path.join(dir, DEFAULT_MODEL);
  await mkdir(target);
  for (const entry of await readdir(source)) {
    if (entry !== 'model.json' && entry !== 'recipe') await symlink(path.join(source, entry), path.join(target, entry));
  }
  const manifest = JSON.parse(await readFile(path.join(source, 'model.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(target, 'model.json'), JSON.stringify({ ...manifest, preload: true }));
  return { dir, model: DEFAULT_MODEL, real: true };
}

/**
 * `seconds` of espeak-ng sentences with pauses between. For the fixture each sentence also
 * carries a tone-spelled word (frame-aligned) that the fixture transcribes, while the speech
 * is what the VAD finds.
 */
async function clip(seconds: number, real: boolean, work: string): Promise<Uint8Array> {
  const audio = new Float64Array(seconds * RATE);
  let at = 320 * 15;
  for (let i = 0; at < audio.length; i += 1) {
    const file = path.join(work, `s${i % SENTENCES.length}.wav`);
    if (!existsSync(file)) execFileSync('espeak-ng', ['-w', file, SENTENCES[i % SENTENCES.length]]);
    const utterance = (await decodeAudio(await readFile(file), { targetSampleRate: RATE, maxSeconds: 60 })).samples;
    audio.set(utterance.subarray(0, Math.max(0, audio.length - at)), at);
    if (!real) {
      const tones = toneText(TONE_WORDS[i % TONE_WORDS.length]);
      for (let n = 0; n < tones.length && at + 6400 + n < audio.length; n += 1) audio[at + 6400 + n] = 0.3 * audio[at + 6400 + n] + tones[n];
    }
    // Short pauses inside the 10 s clip; the long clip's pauses let the VAD cut windows.
    at += Math.ceil((utterance.length + (seconds > 30 ? 1.5 : 0.4) * RATE) / 320) * 320;
  }
  return wavefileWav([audio], RATE, '16');
}

export async function asr(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const { dir: repo, model, real } = await repository();
  const work = await tempDir('tessera-bench-asr-audio-');
  const engine = await Engine.create({
    modelsDir: repo,
    runtime: engineRuntime(o),
    logger: silentLogger,
    limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 120 },
  });
  const server = await startServer(repo, o);
  const client = wsClient(server.wsUrl);
  try {
    await engine.preloaded();
    await server.app.services.engine.preloaded();
    const short = await clip(10, real, work);
    const long = await clip(60, real, work);

    const viaEngine = async (bytes: Uint8Array): Promise<Sample> => {
      const started = performance.now();
      let firstSegmentMs = Number.NaN;
      for await (const event of await engine.transcribe(model, bytes, {})) {
        if (event.type === 'segment' && Number.isNaN(firstSegmentMs)) firstSegmentMs = performance.now() - started;
      }
      return { firstSegmentMs, totalMs: performance.now() - started };
    };
    const viaGraphql = async (bytes: Uint8Array): Promise<Sample> => {
      const started = performance.now();
      let firstSegmentMs = Number.NaN;
      const iterator = client.iterate<{ transcribe: { __typename: string } }>({
        query: print(TranscribeDocument),
        variables: { input: { audio: { base64: Buffer.from(bytes).toString('base64') }, model } },
      });
      for await (const result of iterator) {
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        if (result.data?.transcribe.__typename === 'TranscriptionSegment' && Number.isNaN(firstSegmentMs)) firstSegmentMs = performance.now() - started;
      }
      return { firstSegmentMs, totalMs: performance.now() - started };
    };
    for (let i = 0; i < 2; i++) {
      await viaEngine(short);
      await viaGraphql(short);
    }
    const variants = ['engine', 'GraphQL (ws)'] as const;
    const samples = await interleave(variants, { rounds: o.quick ? 3 : 30, budgetMs: o.quick ? 10_000 : 120_000, minRounds: 2 }, (variant) =>
      within(60_000, `10 s clip via ${variant}`, variant === 'engine' ? viaEngine(short) : viaGraphql(short)),
    );
    const stat = (variant: (typeof variants)[number]) => {
      const list = samples.get(variant)!;
      return { n: list.length, first: summarize(list.map((s) => s.firstSegmentMs)), total: summarize(list.map((s) => s.totalMs)) };
    };
    const e = stat('engine');
    const g = stat('GraphQL (ws)');
    log(`first segment p50: engine ${fmt(e.first.p50, 1)} ms, GraphQL ${fmt(g.first.p50, 1)} ms`);

    const longRuns = [];
    for (let i = 0; i < (o.quick ? 1 : 5); i++) longRuns.push(await within(120_000, '60 s clip', viaEngine(long)));
    const longTotal = summarize(longRuns.map((s) => s.totalMs));
    const longFirst = summarize(longRuns.map((s) => s.firstSegmentMs));

    // Whisper features for a 10 s and a 30 s clip: ours against transformers.js.
    const config = { feature_size: 80, n_fft: 400, hop_length: 160, sampling_rate: RATE, chunk_length: 30, n_samples: 480000, nb_max_frames: 3000 };
    const ours = LogMelExtractor.fromPreprocessor(config);
    const theirs = new WhisperFeatureExtractor(config);
    const tenSeconds = (await decodeAudio(short, { targetSampleRate: RATE, maxSeconds: 60 })).samples;
    const thirty = new Float32Array(30 * RATE);
    for (let k = 0; k < 3; k++) thirty.set(tenSeconds, k * 10 * RATE);
    const melVariants = ['ours 10 s', 'transformers.js 10 s', 'ours 30 s', 'transformers.js 30 s'] as const;
    const melSamples = await interleave(melVariants, { rounds: o.quick ? 2 : 10, budgetMs: o.quick ? 10_000 : 60_000, minRounds: 2 }, async (variant) => {
      const audio = variant.endsWith('10 s') ? tenSeconds : thirty;
      const started = performance.now();
      if (variant.startsWith('ours')) ours.extract(audio);
      else await theirs(audio);
      return performance.now() - started;
    });
    const mel = (variant: (typeof melVariants)[number]) => summarize(melSamples.get(variant)!).p50;

    const latency: Table = {
      title: `10 s clip, one at a time (p50 of ${e.n} interleaved clips each)`,
      columns: ['path', 'first segment (ms)', 'whole transcript (ms)', 'p95 whole (ms)', 'real-time factor'],
      rows: [
        ['engine', fmt(e.first.p50, 1), fmt(e.total.p50, 1), fmt(e.total.p95, 1), fmt(e.total.p50 / 10_000, 3)],
        ['GraphQL (ws)', fmt(g.first.p50, 1), fmt(g.total.p50, 1), fmt(g.total.p95, 1), fmt(g.total.p50 / 10_000, 3)],
        ['GraphQL / engine', ratio(g.first.p50 / e.first.p50), ratio(g.total.p50 / e.total.p50), ratio(g.total.p95 / e.total.p95), ''],
      ],
    };
    const rtf: Table = {
      title: `Real-time factor (engine; processing time / audio duration, lower is faster)`,
      columns: ['clip', 'first segment (ms)', 'whole (ms)', 'real-time factor'],
      rows: [
        ['10 s (one window)', fmt(e.first.p50, 1), fmt(e.total.p50, 1), fmt(e.total.p50 / 10_000, 3)],
        [`60 s (VAD-cut windows ≤ the model window, p50 of ${longRuns.length})`, fmt(longFirst.p50, 1), fmt(longTotal.p50, 1), fmt(longTotal.p50 / 60_000, 3)],
      ],
    };
    const features: Table = {
      title: 'Whisper log-mel features [80, 3000] (p50 ms; equal to within 1e-4, see test/asr-whisper.test.ts)',
      columns: ['clip', 'ours (ms)', 'transformers.js (ms)', 'speed-up'],
      rows: [
        ['10 s', fmt(mel('ours 10 s'), 1), fmt(mel('transformers.js 10 s'), 1), ratio(mel('transformers.js 10 s') / mel('ours 10 s'))],
        ['30 s', fmt(mel('ours 30 s'), 1), fmt(mel('transformers.js 30 s'), 1), ratio(mel('transformers.js 30 s') / mel('ours 30 s'))],
      ],
    };
    const targets: Target[] = [
      {
        goal: 'first transcribed segment of a 10 s clip within 1 s',
        measured: `engine p50 ${fmt(e.first.p50, 1)} ms, GraphQL p50 ${fmt(g.first.p50, 1)} ms (${model}${real ? '' : ': fixture, the default model was not in the checkout'})`,
        met: o.quick || !real ? null : g.first.p50 < 1000,
      },
    ];
    return {
      suite: 'asr',
      title: `Speech to text: ${model}, engine vs GraphQL subscription, real-time factor, log-mel features`,
      setup: [
        real
          ? `${model} (the default offline recogniser${process.env.TESSERA_BENCH_ASR_DIR ? `, from ${process.env.TESSERA_BENCH_ASR_DIR}` : ''}) on espeak-ng sentences at 16 kHz, 0.4 s pauses (10 s clip) or 1.5 s pauses (60 s clip)`
          : `${model}: the tone-alphabet CTC fixture from test/fixtures/asr (models/${DEFAULT_MODEL} was not in this checkout), on tone-spelled words`,
        'engine = Engine.transcribe on WAV bytes: decode, (VAD for audio over 30 s), window decode, events; GraphQL adds artifact storage, the request row, run registry and graphql-ws',
        'Both paths run interleaved clip by clip; times are from the call to the first segment event and to the end of the stream',
      ],
      tables: [latency, rtf, features],
      targets,
      notes: [
        'A 10 s clip is one window, so its first segment arrives when the whole clip is decoded; long audio emits each window as it finishes.',
      ],
    };
  } finally {
    await client.dispose();
    await server.close();
    await engine.close();
    await removeDir(repo);
    await removeDir(work);
  }
}
