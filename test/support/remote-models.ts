/**
 * Model folders that name a remote engine: a repository model's manifest with its .onnx
 * files taken out (the stand-in server runs them) and a `backend` put in, its other files
 * (config, preprocessor, tokenizer) copied beside it as pre- and post-processing need them.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ManifestInput } from '../../src/inference/repository/manifest.js';

export function writeRemoteCopy(repo: string, source: string, name: string, backend: ManifestInput['backend']): void {
  const from = path.join('models', source);
  const manifest = JSON.parse(readFileSync(path.join(from, 'model.json'), 'utf8')) as ManifestInput;
  const files = Object.fromEntries(Object.entries(manifest.files).filter(([, file]) => !file.path.endsWith('.onnx')));
  const dir = path.join(repo, name);
  mkdirSync(dir, { recursive: true });
  for (const file of Object.values(files)) cpSync(path.join(from, file.path), path.join(dir, file.path));
  const { warmup: _warmup, ...rest } = manifest;
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...rest, name, preload: false, files, backend }, null, 2));
}

/** The absolute path of a repository model's graph, for a stand-in to serve. */
export const repositoryGraph = (model: string, key: string): string => {
  const manifest = JSON.parse(readFileSync(path.join('models', model, 'model.json'), 'utf8')) as ManifestInput;
  return path.resolve('models', model, manifest.files[key].path);
};
