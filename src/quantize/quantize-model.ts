/**
 * Makes a quantized copy of a model folder: every ONNX graph of the manifest rewritten
 * with MatMulNBits weights, the other files (config, tokenizer) copied as they are, and a
 * manifest whose sha256s are those of the files written. The copy is a model of its own
 * (`<name>-int4` by default), so it is listed, verified and served like any other, and
 * the float model keeps serving beside it.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isOnnxPath, MANIFEST_FILE, parseManifest, type ManifestInput, type ModelManifest } from '../inference/repository/manifest.js';
import { CHECKSUM_CACHE_FILE } from '../inference/repository/checksum.js';
import { readEntry, verifyModelFiles } from '../inference/repository/repository.js';
import type { WeightBits } from './block-quantize.js';
import { rewriteMatMuls } from './rewrite-matmuls.js';

export interface QuantizeModelOptions {
  modelsDir: string;
  source: string;
  bits: WeightBits;
  blockSize: number;
  accuracyLevel?: number;
  /** Default `<source>-int4` / `<source>-int8`. */
  target?: string;
  /** Replace an existing target folder. */
  force?: boolean;
}

export interface QuantizedGraph {
  key: string;
  path: string;
  rewritten: number;
  weightBytesBefore: number;
  weightBytesAfter: number;
}

export interface QuantizeModelResult {
  name: string;
  dir: string;
  manifest: ModelManifest;
  graphs: QuantizedGraph[];
}

export class QuantizeError extends Error {
  override name = 'QuantizeError';
}

const NOT_COPIED = new Set([MANIFEST_FILE, CHECKSUM_CACHE_FILE, 'README.md']);

/** `onnx/model.onnx` → `onnx/model_int4.onnx`; graphs from npm packages land under `onnx/`. */
function quantizedPath(manifestPath: string, bits: WeightBits): string {
  const local = manifestPath.startsWith('npm:') ? `onnx/${path.posix.basename(manifestPath)}` : manifestPath;
  return local.replace(/\.onnx$/i, `_int${bits}.onnx`);
}

/** The folder's top-level files (tokenizer, configs) the manifest may not list but the task reads. */
async function copyLooseFiles(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    if (NOT_COPIED.has(name) || isOnnxPath(name)) continue;
    // stat, not the dirent: a folder of symlinks (as benchmarks make) holds files all the same.
    if ((await stat(path.join(from, name))).isFile()) await copyFile(path.join(from, name), path.join(to, name));
  }
}

export async function quantizeModel(options: QuantizeModelOptions): Promise<QuantizeModelResult> {
  const entry = await readEntry(options.modelsDir, options.source);
  if (!entry.manifest) throw new QuantizeError(entry.error ?? `no model "${options.source}"`);
  const name = options.target ?? `${options.source}-int${options.bits}`;
  const dir = path.join(options.modelsDir, name);
  if (await stat(path.join(dir, MANIFEST_FILE)).then(() => true, () => false)) {
    if (!options.force) throw new QuantizeError(`${dir} already holds a model; remove it first or pass --force`);
    await rm(dir, { recursive: true, force: true });
  }
  // Checks the source's checksums first, so a damaged float model is never quantized.
  const absolute = await verifyModelFiles({ ...entry, manifest: entry.manifest });
  const raw = JSON.parse(await readFile(entry.manifestPath, 'utf8')) as ManifestInput;

  await mkdir(dir, { recursive: true });
  try {
    await copyLooseFiles(entry.dir, dir);
    const files: ManifestInput['files'] = {};
    const graphs: QuantizedGraph[] = [];
    const graphPaths = Object.values(entry.manifest.files).filter((f) => isOnnxPath(f.path)).map((f) => f.path);
    for (const [key, file] of Object.entries(entry.manifest.files)) {
      // A graph's external data (`model.onnx_data`) is written inline into the quantized file.
      if (graphPaths.some((graph) => file.path.startsWith(`${graph}_data`))) continue;
      if (isOnnxPath(file.path)) {
        const target = quantizedPath(file.path, options.bits);
        const report = await rewriteMatMuls(await readFile(absolute[key]), path.dirname(absolute[key]), options);
        await mkdir(path.dirname(path.join(dir, target)), { recursive: true });
        await writeFile(path.join(dir, target), report.bytes);
        files[key] = { path: target, sha256: createHash('sha256').update(report.bytes).digest('hex') };
        graphs.push({ key, path: target, rewritten: report.rewritten, weightBytesBefore: report.weightBytesBefore, weightBytesAfter: report.weightBytesAfter });
      } else {
        // npm: files resolve from node_modules wherever the folder is; only local ones are copied.
        if (!file.path.startsWith('npm:')) {
          await mkdir(path.dirname(path.join(dir, file.path)), { recursive: true });
          await copyFile(absolute[key], path.join(dir, file.path));
        }
        files[key] = { ...file };
      }
    }
    if (graphs.every((g) => g.rewritten === 0)) {
      throw new QuantizeError(`${options.source} has no MatMul with a constant float [K, N] weight to quantize`);
    }
    const accuracy = options.accuracyLevel === undefined ? '' : `, accuracy_level ${options.accuracyLevel}`;
    const manifest: ManifestInput = {
      ...raw,
      name,
      description: `${raw.description ?? options.source}; MatMul weights quantized to int${options.bits} (MatMulNBits, block ${options.blockSize}${accuracy})`,
      source: `quantized from ${options.source} (${entry.manifest.source})`,
      preload: false,
      files,
    };
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    const manifestPath = path.join(dir, MANIFEST_FILE);
    const parsed = parseManifest(text, manifestPath, name);
    await writeFile(manifestPath, text);
    return { name, dir, manifest: parsed, graphs };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
