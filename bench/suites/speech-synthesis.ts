/**
 * tts: speech synthesis with the default voice (models/tessera-tts), side by side:
 *   engine        — engine.speak in process
 *   GraphQL (ws)  — the speak subscription over a real graphql-ws connection (row, WAV artifact, base64 chunks)
 * interleaved request by request on a 20-word sentence and on the same words as two
 * sentences: time to first audio, time to the whole recording, and the real-time factor
 * (wall time to the whole recording over the audio's duration).
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { print } from 'graphql';
import { Engine } from '../../src/inference/engine.js';
import { silentLogger } from '../../src/inference/runtime/logger.js';
import { SpeakDocument } from '../../test/generated/graphql.js';
import { wsClient } from '../../test/support/client.js';
import { fmt, ratio, type SuiteReport, type Table, type Target } from '../lib/report.js';
import { engineRuntime, removeDir, repoRoot, startServer, tempDir, type BenchOptions } from '../lib/setup.js';
import { interleave, summarize, within } from '../lib/stats.js';

const MODEL = 'tessera-tts';
/** 20 words. */
const ONE_SENTENCE = 'The small brown dog ran across the green field to find the red ball that the children had thrown for him.';
const TWO_SENTENCES = 'The small brown dog ran across the green field. He found the red ball that the children had thrown for him.';

interface Sample {
  firstAudioMs: number;
  totalMs: number;
  /** CPU time of the whole process (server, engine and its session threads) for the request. */
  cpuMs: number;
  audioSeconds: number;
}

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** The default voice linked into a fresh repository, preloaded. */
async function repository(): Promise<string> {
  const dir = await tempDir('tessera-bench-tts-');
  const source = path.join(repoRoot, 'models', MODEL);
  const target = path.join(dir, MODEL);
  await mkdir(target);
  for (const entry of await readdir(source)) {
    if (entry !== 'model.json' && entry !== 'recipe') await symlink(path.join(source, entry), path.join(target, entry));
  }
  const manifest = JSON.parse(await readFile(path.join(source, 'model.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(target, 'model.json'), JSON.stringify({ ...manifest, preload: true }));
  return dir;
}

export async function speechSynthesis(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const repo = await repository();
  const engine = await Engine.create({ modelsDir: repo, runtime: engineRuntime(o), logger: silentLogger, limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 120 } });
  const server = await startServer(repo, o);
  const client = wsClient(server.wsUrl);
  try {
    await engine.preloaded();
    await server.app.services.engine.preloaded();

    const viaEngine = async (text: string): Promise<Sample> => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      let firstAudioMs = Number.NaN;
      let samples = 0;
      let rate = 1;
      for await (const chunk of await engine.speak(MODEL, text)) {
        if (Number.isNaN(firstAudioMs)) firstAudioMs = performance.now() - started;
        samples += chunk.samples.length;
        rate = chunk.sampleRate;
      }
      return { firstAudioMs, totalMs: performance.now() - started, cpuMs: cpuMsSince(cpu), audioSeconds: samples / rate };
    };
    const viaGraphql = async (text: string): Promise<Sample> => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      let firstAudioMs = Number.NaN;
      let audioSeconds = 0;
      const iterator = client.iterate<{ speak: { __typename: string; durationSeconds?: number } }>({ query: print(SpeakDocument), variables: { input: { text, model: MODEL } } });
      for await (const result of iterator) {
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        const event = result.data!.speak;
        if (event.__typename === 'SpeechChunk' && Number.isNaN(firstAudioMs)) firstAudioMs = performance.now() - started;
        if (event.__typename === 'SpeechCompleted') audioSeconds = event.durationSeconds!;
      }
      return { firstAudioMs, totalMs: performance.now() - started, cpuMs: cpuMsSince(cpu), audioSeconds };
    };
    for (let i = 0; i < 2; i++) {
      await viaEngine(ONE_SENTENCE);
      await viaGraphql(ONE_SENTENCE);
    }
    const variants = ['engine, 1 sentence', 'GraphQL, 1 sentence', 'engine, 2 sentences', 'GraphQL, 2 sentences'] as const;
    const samples = await interleave(variants, { rounds: o.quick ? 3 : 20, budgetMs: o.quick ? 15_000 : 120_000, minRounds: 2 }, (variant) => {
      const text = variant.endsWith('1 sentence') ? ONE_SENTENCE : TWO_SENTENCES;
      return within(60_000, variant, variant.startsWith('engine') ? viaEngine(text) : viaGraphql(text));
    });
    const stat = (variant: (typeof variants)[number]) => {
      const list = samples.get(variant)!;
      const first = summarize(list.map((s) => s.firstAudioMs));
      const total = summarize(list.map((s) => s.totalMs));
      const audio = list[0].audioSeconds;
      const cpu = summarize(list.map((s) => s.cpuMs));
      return { n: list.length, first, total, audio, rtf: total.p50 / 1000 / audio, cpuRtf: cpu.p50 / 1000 / audio };
    };
    const rows = variants.map((v) => ({ v, ...stat(v) }));
    for (const r of rows) log(`${r.v}: first audio p50 ${fmt(r.first.p50, 1)} ms, whole ${fmt(r.total.p50, 1)} ms, RTF ${fmt(r.rtf, 3)}, CPU RTF ${fmt(r.cpuRtf, 3)}`);
    const [e1, g1, e2, g2] = rows;
    const table: Table = {
      title: `20 words, one request at a time (p50 of ${e1.n} interleaved requests each)`,
      columns: ['path', 'text', 'audio (s)', 'first audio (ms)', 'whole (ms)', 'p95 whole (ms)', 'real-time factor (wall)', 'real-time factor (CPU)'],
      rows: [
        ...rows.map((r) => [r.v.split(',')[0], r.v.split(', ')[1], fmt(r.audio, 2), fmt(r.first.p50, 1), fmt(r.total.p50, 1), fmt(r.total.p95, 1), fmt(r.rtf, 3), fmt(r.cpuRtf, 3)]),
        ['GraphQL / engine', '1 sentence', '', ratio(g1.first.p50 / e1.first.p50), ratio(g1.total.p50 / e1.total.p50), '', '', ratio(g1.cpuRtf / e1.cpuRtf)],
        ['GraphQL / engine', '2 sentences', '', ratio(g2.first.p50 / e2.first.p50), ratio(g2.total.p50 / e2.total.p50), '', '', ratio(g2.cpuRtf / e2.cpuRtf)],
      ],
    };
    const targets: Target[] = [
      {
        goal: 'speech faster than real time through GraphQL in CPU time (CPU RTF < 1)',
        measured: `CPU RTF p50 ${fmt(g1.cpuRtf, 3)}, wall RTF ${fmt(g1.rtf, 3)} (20-word sentence)`,
        met: o.quick ? null : g1.cpuRtf < 1,
      },
    ];
    return {
      suite: 'tts',
      title: `Speech synthesis: ${MODEL}, engine vs GraphQL subscription — time to first audio and real-time factor`,
      setup: [
        `${MODEL} (the default voice: espeak-ng phonemes → encoder/decoder ONNX → Griffin-Lim, 22.05 kHz), preloaded, ${o.threads} intra-op thread(s)`,
        'engine = Engine.speak, reading every chunk; GraphQL = the speak subscription over graphql-ws: request row, one base64 PCM16 chunk per sentence, WAV stored as an artifact before SpeechCompleted',
        'Real-time factor (wall) = wall time to the whole recording / audio duration; (CPU) = the process CPU time for the request / audio duration (lower is faster). On a shared machine the CPU figure is the one that carries over.',
      ],
      tables: [table],
      targets,
      notes: ['Sentences are synthesized one at a time, so with two sentences the first audio arrives after about half the work.'],
    };
  } finally {
    await client.dispose();
    await server.close();
    await engine.close();
    await removeDir(repo);
  }
}
