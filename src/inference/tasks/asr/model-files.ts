/**
 * The JSON files beside a recogniser's graphs (vocab.json, config.json, preprocessor_config.json,
 * generation_config.json, tokenizer.json), found among the manifest's checksummed files by name.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GraphMetadata } from '../../repository/signature.js';

export type Json = Record<string, unknown>;

/** Absolute path of the manifest file with this base name, if the manifest lists one. */
export function fileNamed(files: Record<string, string>, name: string): string | undefined {
  return Object.values(files).find((file) => path.basename(file) === name);
}

export async function readJsonFile(files: Record<string, string>, name: string, required: boolean): Promise<Json> {
  const file = fileNamed(files, name);
  if (!file) {
    if (required) throw new Error(`speech recognition models need ${name} listed in the manifest's files`);
    return {};
  }
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Json;
  } catch (error) {
    throw new Error(`${name} cannot be read: ${(error as Error).message}`);
  }
}

export function numberField(json: Json, key: string): number | undefined {
  const value = json[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The key of the graph that has an input named `input`, if any. */
export function graphWithInput(metadata: Record<string, GraphMetadata>, input: string): string | undefined {
  return Object.keys(metadata).find((key) => metadata[key].inputs.some((m) => m.name === input));
}
