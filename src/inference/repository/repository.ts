/**
 * The model repository on disk: one folder per model, each with a `model.json`.
 * Scanning never throws for one bad folder; the entry carries the reason instead, so one
 * broken model cannot keep the others from serving.
 */
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Modality, Task } from '../types.js';
import { ChecksumCache } from './checksum.js';
import { MANIFEST_FILE, ManifestError, parseManifest, type ModelManifest } from './manifest.js';
import { resolveModelFile } from './resolve-file.js';

export interface RepositoryEntry {
  /** The folder name, which is also the model's name. */
  name: string;
  dir: string;
  manifestPath: string;
  manifest?: ModelManifest;
  /** Why the manifest could not be used; set exactly when `manifest` is not. */
  error?: string;
  /** What could still be read from a broken manifest, so listings show a sensible row. */
  fallback: { task: Task; description: string | null; source: string; license: string; inputModalities: Modality[]; outputModalities: Modality[] };
}

const TASKS: readonly Task[] = ['OCR', 'VAD', 'TEXT_GENERATION', 'TENSOR'];

function fallbackFields(raw: unknown): RepositoryEntry['fallback'] {
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const modalities = (value: unknown) => (Array.isArray(value) ? value.filter((m): m is Modality => typeof m === 'string') : []);
  return {
    task: TASKS.includes(record.task as Task) ? (record.task as Task) : 'TENSOR',
    description: text(record.description),
    source: text(record.source) ?? 'unknown',
    license: text(record.license) ?? 'unknown',
    inputModalities: modalities(record.inputModalities),
    outputModalities: modalities(record.outputModalities),
  };
}

export async function readEntry(modelsDir: string, name: string): Promise<RepositoryEntry> {
  const dir = join(modelsDir, name);
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    return { name, dir, manifestPath, error: `${manifestPath}: cannot be read (${(error as Error).message})`, fallback: fallbackFields(null) };
  }
  let raw: unknown = null;
  try {
    raw = JSON.parse(text);
  } catch {
    // parseManifest reports the syntax error with the file name.
  }
  try {
    return { name, dir, manifestPath, manifest: parseManifest(text, manifestPath, name), fallback: fallbackFields(raw) };
  } catch (error) {
    const message = error instanceof ManifestError ? error.message : `${manifestPath}: ${(error as Error).message}`;
    return { name, dir, manifestPath, error: message, fallback: fallbackFields(raw) };
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((info) => info.isDirectory(), () => false);
}

/**
 * The folder name a client's model name refers to: the name itself, or the folder of the
 * one pulled model whose hub id (`org/name`, compared without regard to case as the hub does) it is.
 */
export function resolveModelAlias(entries: readonly RepositoryEntry[], requested: string): string | undefined {
  if (entries.some((e) => e.name === requested)) return requested;
  const wanted = requested.toLowerCase();
  const pulled = entries.filter((e) => e.manifest?.hubId?.toLowerCase() === wanted);
  // Pulled twice under different names, the hub id no longer says which one is meant.
  return pulled.length === 1 ? pulled[0].name : undefined;
}

/** Every sub-folder holding a `model.json`, sorted by name; other folders are not models. */
export async function scanRepository(modelsDir: string): Promise<RepositoryEntry[]> {
  let dirents;
  try {
    dirents = await readdir(modelsDir, { withFileTypes: true });
  } catch (error) {
    throw new Error(`The model repository ${modelsDir} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const names: string[] = [];
  for (const d of dirents) {
    // A linked folder (a model kept on another disk) is a model like any other.
    if (d.name.startsWith('.') || !(d.isDirectory() || (d.isSymbolicLink() && (await isDirectory(join(modelsDir, d.name)))))) continue;
    try {
      await access(join(modelsDir, d.name, MANIFEST_FILE));
      names.push(d.name);
    } catch {
      // A folder without a manifest (a training recipe, a download in progress) is not a model.
    }
  }
  names.sort();
  return Promise.all(names.map((name) => readEntry(modelsDir, name)));
}

export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

/**
 * Resolves every file of a manifest and checks it exists and matches its sha256.
 * Errors name the manifest key and the path so the operator knows which file to fix.
 */
export async function verifyModelFiles(entry: RepositoryEntry & { manifest: ModelManifest }): Promise<Record<string, string>> {
  const cache = new ChecksumCache(entry.dir);
  const resolved: Record<string, string> = {};
  try {
    for (const [key, file] of Object.entries(entry.manifest.files)) {
      let path: string;
      try {
        path = resolveModelFile(entry.dir, file.path);
      } catch (error) {
        throw new ModelFileError(`files.${key} (${file.path}): ${(error as Error).message}`);
      }
      try {
        const info = await stat(path);
        if (!info.isFile()) throw new Error('not a regular file');
      } catch (error) {
        throw new ModelFileError(`files.${key}: ${path} is missing (${(error as Error).message})`);
      }
      try {
        await cache.verify(path, file.sha256, `files.${key}: ${path}`);
      } catch (error) {
        throw new ModelFileError((error as Error).message);
      }
      resolved[key] = path;
    }
  } finally {
    await cache.save();
  }
  return resolved;
}
