/**
 * The Hugging Face side files of a model folder (config.json, preprocessor_config.json,
 * 1_Pooling/config.json): from the manifest's `files` when it lists them (and so checks
 * their sha256), else from their standard place in the folder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type Json = Record<string, unknown>;

export interface ModelFolder {
  dir: string;
  /** Absolute paths of the manifest's files, by key. */
  files: Record<string, string>;
}

/** The parsed file, or null when the folder has none. */
export async function readModelJson(folder: ModelFolder, key: string, standardPath: string): Promise<Json | null> {
  const file = folder.files[key] ?? path.join(folder.dir, standardPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new Error(`${standardPath} is not valid JSON: ${(error as Error).message}`);
  }
}

export function numberOr(value: unknown, fallback: number): number;
export function numberOr(value: unknown, fallback: undefined): number | undefined;
export function numberOr(value: unknown, fallback: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
