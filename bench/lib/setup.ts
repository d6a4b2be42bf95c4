/**
 * What every suite shares: the thread settings (one place, so direct onnxruntime, the
 * engine, the server and transformers.js all run with the same counts), the machine
 * description, temporary model repositories and an in-process server on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeOptions } from '../../src/inference/engine.js';
import type { SessionSettings } from '../../src/inference/runtime/options.js';
import { startTestServer, type TestServer } from '../../test/support/app.js';

export interface BenchOptions {
  quick: boolean;
  /** onnxruntime intra-op threads for every variant; inter-op is always 1. */
  threads: number;
  /** GPT-2-small export folder, when one is available. */
  gpt2Small: string | null;
}

export const sessionSettings = (o: BenchOptions): SessionSettings => ({
  executionProvider: 'cpu',
  intraOpThreads: o.threads,
  interOpThreads: 1,
});

export const engineRuntime = (o: BenchOptions, sessionThread: 'worker' | 'main' = 'worker'): RuntimeOptions => ({
  ...sessionSettings(o),
  sessionThread,
});

export const repoRoot = path.resolve(import.meta.dirname, '../..');

function packageVersion(name: string): string {
  // Read from disk: a package's exports map may not expose its package.json.
  const file = path.join(repoRoot, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : '?';
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  onnxruntime: string;
  transformers: string;
}

export function describeMachine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    onnxruntime: packageVersion('onnxruntime-node'),
    transformers: packageVersion('@huggingface/transformers'),
  };
}

export const loadAverage = () => os.loadavg().map((v) => v.toFixed(2)).join(' / ');

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A repository holding only the real OCR manifest; its files resolve from node_modules (npm: paths). */
export async function ocrRepository(): Promise<string> {
  const dir = await tempDir('tessera-bench-ocr-');
  await mkdir(path.join(dir, 'paddleocr-v4'));
  await copyFile(path.join(repoRoot, 'models/paddleocr-v4/model.json'), path.join(dir, 'paddleocr-v4/model.json'));
  return dir;
}

/**
 * A repository with one decoder LM: the source folder's files linked (a 650 MB graph is not
 * copied) and its manifest rewritten with the batching the bench asks for. A folder without
 * a model.json gets one for onnx/model.onnx.
 */
export async function lmRepository(source: string, name: string, batching: { maxBatchSize: number; maxQueue: number }): Promise<string> {
  const dir = await tempDir('tessera-bench-lm-');
  const target = path.join(dir, name);
  await mkdir(target);
  for (const entry of await readdir(source)) {
    if (entry === 'model.json' || entry.startsWith('.')) continue;
    await symlink(path.join(source, entry), path.join(target, entry));
  }
  const manifestFile = path.join(source, 'model.json');
  const base = existsSync(manifestFile)
    ? (JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, unknown>)
    : {
        task: 'TEXT_GENERATION',
        description: 'decoder LM under benchmark',
        inputModalities: ['TEXT'],
        outputModalities: ['TEXT', 'TOKENS'],
        source: source,
        license: 'MIT',
        files: { model: { path: 'onnx/model.onnx', sha256: await sha256File(path.join(source, 'onnx/model.onnx')) } },
      };
  await writeFile(path.join(target, 'model.json'), JSON.stringify({ ...base, name, preload: true, batching }, null, 2));
  return dir;
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

/** A real Tessera (SQLite, HTTP, graphql-ws) on an ephemeral 127.0.0.1 port, with the bench's thread counts. */
export function startServer(modelsDir: string, o: BenchOptions): Promise<TestServer> {
  return startTestServer({
    modelsDir,
    env: { ORT_INTRA_OP_THREADS: String(o.threads), ORT_INTER_OP_THREADS: '1', LOG_LEVEL: 'silent', HOST: '127.0.0.1' },
  });
}

export type { TestServer };
