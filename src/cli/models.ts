/**
 * `models` — manage the model repository from a shell:
 *   list                      what MODELS_DIR holds, without loading anything
 *   verify [name]             checksums, ONNX signatures and warm-up runs; exit 1 on any failure
 *   pull <hub-id> [options]   download from HF_ENDPOINT (default https://huggingface.co) and write model.json
 *   remove <name>             delete a model folder (and an unfinished pull of that name)
 *   quantize <name> [options] write a copy with int8/int4 MatMul weights (see quantize.ts)
 * Run as `npx tsx src/cli/models.ts <command>`.
 */
import { readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { backendInfo, checkBackend } from '../inference/backends/health.js';
import { openKServeGraphs } from '../inference/backends/kserve/open.js';
import { MANIFEST_FILE, type Backend, type ModelManifest } from '../inference/repository/manifest.js';
import { readEntry, scanRepository, verifyModelFiles, type RepositoryEntry } from '../inference/repository/repository.js';
import type { Logger } from '../inference/runtime/logger.js';
import { openModel } from '../inference/runtime/model-loader.js';
import type { Task } from '../inference/types.js';
import { cardLicense, downloadFile, listHubFiles, type HubLocation } from './hub-download.js';
import type { ProgressSink } from './progress.js';
import { QUANTIZE_USAGE, runQuantizeCli } from './quantize.js';
import { inferPulledTask } from './pulled-task.js';
import { availableVariants, isVariant, variantGraph, VARIANTS, type Variant } from './variants.js';
import { writePulledManifest, type PulledModel } from './pulled-manifest.js';

export interface CliIo {
  stdout: ProgressSink;
  stderr: ProgressSink;
  env: Record<string, string | undefined>;
}

const USAGE = `usage: models <command>
  list                                   list the models in MODELS_DIR (default ./models)
  verify [name]                          check files, checksums, signatures and a warm-up run
  pull <owner/repo> [--revision main] [--files onnx/model.onnx,config.json] [--name n] [--task TEXT_GENERATION] [--license id] [--variant ${VARIANTS.join('|')}] [--force]
                                         download from HF_ENDPOINT (default https://huggingface.co), resumable
  remove <name>                          delete a model folder and any unfinished pull of that name
${QUANTIZE_USAGE}`;

const TASKS: readonly Task[] = ['OCR', 'VAD', 'TEXT_GENERATION', 'TENSOR'];
const MODEL_NAME = /^[a-z0-9][a-z0-9._-]*$/;

class UsageError extends Error {}

function modelsDir(io: CliIo): string {
  return resolve(io.env.MODELS_DIR || './models');
}

/** Where `pull` assembles a model; a dot folder, so the repository scan never takes it for a model. */
function stagingDir(io: CliIo, name: string): string {
  return join(modelsDir(io), '.pulling', name);
}

/** A model folder's manifest as plain JSON, or undefined when the folder holds none. */
async function readManifestJson(dir: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    return json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function stderrLogger(io: CliIo): Logger {
  const line = (level: string) => (details: object, message?: string) => void io.stderr.write(`${level}: ${message ?? JSON.stringify(details)}\n`);
  return { info: () => undefined, warn: line('warning'), error: line('error') };
}

async function list(io: CliIo): Promise<number> {
  const entries = await scanRepository(modelsDir(io));
  const unfinished = await readdir(join(modelsDir(io), '.pulling')).catch(() => [] as string[]);
  for (const name of unfinished) io.stderr.write(`unfinished pull "${name}": run the same pull again to resume it, or remove ${name} to discard it\n`);
  if (entries.length === 0) {
    io.stdout.write(`no models in ${modelsDir(io)}\n`);
    return 0;
  }
  const rows = await Promise.all(
    entries.map(async (e) => {
      const m = e.manifest;
      const files = m ? `${Object.keys(m.files).length} files${m.backend ? `, ${await backendLine(m.name, m.backend)}` : ''}` : `BROKEN: ${e.error}`;
      return [e.name, m?.task ?? e.fallback.task, m?.source ?? e.fallback.source, m?.license ?? e.fallback.license, files];
    }),
  );
  const header = ['NAME', 'TASK', 'SOURCE', 'LICENSE', 'FILES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : r[i].length))));
  for (const row of [header, ...rows]) io.stdout.write(`${row.map((cell, i) => (i === 4 ? cell : cell.padEnd(widths[i]))).join('  ')}\n`);
  return 0;
}

/** A remote engine as `models list` shows it: kind, URL without credentials, its model, and whether it answers ready now. */
async function backendLine(name: string, backend: Backend): Promise<string> {
  const info = backendInfo(backend);
  const health = await checkBackend(name, backend);
  return `${info.kind} ${info.url} (${info.model}): ${health.ready ? 'ready' : `NOT READY: ${health.problem}`}`;
}

/** A model served remotely: its own files here, and its engine ready (a KServe server's graphs against the signature). */
async function verifyRemote(entry: RepositoryEntry & { manifest: ModelManifest }, backend: Backend, io: CliIo): Promise<void> {
  if (backend.kind === 'kserve-v2') await openKServeGraphs(entry, backend, stderrLogger(io));
  else await verifyModelFiles(entry);
  const health = await checkBackend(entry.manifest.name, backend);
  if (!health.ready) throw new Error(health.problem ?? 'not ready');
}

async function verifyEntry(entry: RepositoryEntry, io: CliIo): Promise<boolean> {
  if (!entry.manifest) {
    io.stdout.write(`FAIL  ${entry.name}: ${entry.error}\n`);
    return false;
  }
  const { backend } = entry.manifest;
  if (backend) {
    try {
      await verifyRemote({ ...entry, manifest: entry.manifest }, backend, io);
      io.stdout.write(`ok    ${entry.name}: ${Object.keys(entry.manifest.files).length} files match, ${backend.kind} backend ready\n`);
      return true;
    } catch (error) {
      io.stdout.write(`FAIL  ${entry.name}: ${(error as Error).message}\n`);
      return false;
    }
  }
  try {
    const opened = await openModel({ ...entry, manifest: entry.manifest }, { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1, sessionThread: 'main' }, stderrLogger(io));
    await opened.pool.close();
    io.stdout.write(`ok    ${entry.name}: ${Object.keys(entry.manifest.files).length} files, checksums and signatures match\n`);
    return true;
  } catch (error) {
    io.stdout.write(`FAIL  ${entry.name}: ${(error as Error).message}\n`);
    return false;
  }
}

async function verify(name: string | undefined, io: CliIo): Promise<number> {
  const dir = modelsDir(io);
  let entries: RepositoryEntry[];
  if (name !== undefined) {
    const exists = await stat(join(dir, name, MANIFEST_FILE)).then(() => true, () => false);
    if (!exists) {
      io.stderr.write(`no model "${name}" in ${dir}\n`);
      return 1;
    }
    entries = [await readEntry(dir, name)];
  } else {
    entries = await scanRepository(dir);
  }
  let failed = 0;
  for (const entry of entries) if (!(await verifyEntry(entry, io))) failed += 1;
  if (failed > 0) io.stderr.write(`${failed} of ${entries.length} models failed verification\n`);
  return failed > 0 ? 1 : 0;
}

/** Without --files: the root JSON files (configs, tokenizer) and the main ONNX graph with its external data. */
function defaultSelection(files: string[], variant: Variant | undefined): string[] {
  const graph = variant
    ? variantGraph(files, variant)
    : files.includes('onnx/model.onnx') ? 'onnx/model.onnx' : files.includes('model.onnx') ? 'model.onnx' : undefined;
  if (!graph && variant) {
    throw new UsageError(`the repository has no ${variant} graph (it offers: ${availableVariants(files).join(', ') || 'none'}); name the files with --files`);
  }
  if (!graph) throw new UsageError('the repository has no onnx/model.onnx or model.onnx; name the files with --files');
  const external = files.filter((f) => f.startsWith(`${graph}_data`));
  const configs = files.filter((f) => !f.includes('/') && f.endsWith('.json'));
  return [...configs, graph, ...external];
}

async function pull(positionals: string[], values: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const [hubId] = positionals;
  if (!hubId || !/^[\w.-]+\/[\w.-]+$/.test(hubId)) throw new UsageError('pull needs a hub id such as onnx-community/silero-vad');
  const askedTask = values.task as string | undefined;
  if (askedTask !== undefined && !TASKS.includes(askedTask as Task)) throw new UsageError(`--task must be one of ${TASKS.join(', ')}`);
  const variant = values.variant as string | undefined;
  if (variant !== undefined && !isVariant(variant)) throw new UsageError(`--variant must be one of ${VARIANTS.join(', ')}`);
  if (variant !== undefined && typeof values.files === 'string') throw new UsageError('--variant picks the graph file; do not combine it with --files');
  const defaultName = hubId.split('/')[1].toLowerCase().replace(/[^a-z0-9._-]/g, '-') + (variant && variant !== 'fp32' ? `-${variant}` : '');
  const name = (values.name as string | undefined) ?? defaultName;
  if (!MODEL_NAME.test(name)) throw new UsageError(`"${name}" is not a valid model name; pass --name`);
  const hub: HubLocation = {
    endpoint: io.env.HF_ENDPOINT || 'https://huggingface.co',
    repo: hubId,
    revision: (values.revision as string | undefined) ?? 'main',
    token: io.env.HF_TOKEN || undefined,
  };
  const dir = join(modelsDir(io), name);
  const existing = await readManifestJson(dir);
  if (!values.force && existing) throw new UsageError(`${dir} already holds a model; remove it first or pass --force`);

  let license = (values.license as string | undefined) ?? (await cardLicense(hub));
  let commit: string | undefined;
  let pipelineTag: string | undefined;
  let paths: string[];
  if (typeof values.files === 'string') {
    paths = values.files.split(',').map((f) => f.trim()).filter(Boolean);
  } else {
    const listing = await listHubFiles(hub);
    paths = defaultSelection(listing.files, variant);
    license ??= listing.license;
    commit = listing.commit;
    pipelineTag = listing.pipelineTag;
  }
  if (paths.length === 0) throw new UsageError('--files names no files');
  for (const path of paths) {
    if (path.startsWith('/') || path.split('/').includes('..')) throw new UsageError(`"${path}" is not a path inside the repository`);
  }

  // Files land in a staging folder that a rerun resumes; the model folder appears only complete.
  const staging = stagingDir(io, name);
  const files: { path: string; sha256: string }[] = [];
  for (const path of paths) {
    const result = await downloadFile(hub, path, join(staging, path), io.stderr);
    commit ??= result.commit;
    files.push({ path, sha256: result.sha256 });
  }
  const inferred = askedTask === undefined ? await inferPulledTask(staging, pipelineTag) : undefined;
  const task = (askedTask as Task | undefined) ?? inferred!.task;
  const manifest = await writePulledManifest({
    dir: staging,
    name,
    task,
    hubId,
    revision: commit ?? hub.revision,
    license: license ?? 'unknown',
    files,
    keptBatching: existing?.batching as PulledModel['keptBatching'],
  });
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  await rmdir(dirname(staging)).catch(() => undefined);
  io.stdout.write(`pulled ${hubId} into ${dir} as "${manifest.name}" (${files.length} files, task ${manifest.task}${inferred ? `, from ${inferred.because}` : ''})\n`);
  if (manifest.task === 'TEXT_GENERATION') {
    io.stdout.write(
      manifest.batchingUnavailable
        ? `batching: off, ${manifest.batchingUnavailable}\n`
        : `batching: up to ${manifest.batching.maxBatchSize} streams per step, ${manifest.batching.maxQueue} waiting\n`,
    );
  }
  if (manifest.license === 'unknown') io.stderr.write('warning: neither the model card nor the hub says which license applies; set "license" in model.json\n');
  return 0;
}

async function remove(name: string | undefined, io: CliIo): Promise<number> {
  if (!name || !MODEL_NAME.test(name)) throw new UsageError('remove needs a model name');
  const dir = join(modelsDir(io), name);
  const staging = stagingDir(io, name);
  const isModel = (await readManifestJson(dir)) !== undefined;
  const isUnfinished = await stat(staging).then(() => true, () => false);
  if (!isModel && !isUnfinished) {
    io.stderr.write(`no model "${name}" in ${modelsDir(io)}\n`);
    return 1;
  }
  if (isUnfinished) {
    await rm(staging, { recursive: true, force: true });
    io.stdout.write(`removed the unfinished pull ${staging}\n`);
  }
  if (isModel) {
    await rm(dir, { recursive: true, force: true });
    io.stdout.write(`removed ${dir}\n`);
  }
  return 0;
}

export async function runModelsCli(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === 'quantize') return runQuantizeCli(argv.slice(1), io);
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        revision: { type: 'string' },
        files: { type: 'string' },
        name: { type: 'string' },
        task: { type: 'string' },
        license: { type: 'string' },
        variant: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      io.stdout.write(USAGE);
      return command || values.help ? 0 : 1;
    }
    switch (command) {
      case 'list':
        return await list(io);
      case 'verify':
        return await verify(rest[0], io);
      case 'pull':
        return await pull(rest, values, io);
      case 'remove':
        return await remove(rest[0], io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    io.stderr.write(`${error instanceof UsageError ? `${error.message}\n\n${USAGE}` : `error: ${(error as Error).message}\n`}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runModelsCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
