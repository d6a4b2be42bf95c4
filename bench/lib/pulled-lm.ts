/**
 * A decoder LM as a user gets it: its export is served by the local stand-in for the Hugging
 * Face Hub and fetched with the real `models pull`, which writes model.json (files, checksums,
 * batching chosen for this machine). Nothing in the result is edited by hand.
 */
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { runModelsCli } from '../../src/cli/models.js';
import { capture } from '../../test/support/cli-io.js';
import { LocalHub } from '../../test/support/local-hub.js';
import { removeDir, tempDir } from './setup.js';

export interface PulledLm {
  modelsDir: string;
  name: string;
  /** The manifest `models pull` wrote. */
  manifest: { batching: { maxBatchSize: number; maxQueue: number }; batchingUnavailable?: string; files: Record<string, { path: string }> };
  cleanup(): Promise<void>;
}

/** Links every file of `dir` (recursively) under `into`, so the hub serves the export without copying it. */
async function linkTree(dir: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'model.json' || entry.name === 'recipe' || entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) await linkTree(path.join(dir, entry.name), path.join(into, entry.name));
    else await symlink(path.join(dir, entry.name), path.join(into, entry.name));
  }
}

export async function pullLm(source: string, name: string, variant?: string): Promise<PulledLm> {
  const hubRoot = await tempDir('tessera-bench-hub-');
  const modelsDir = await tempDir('tessera-bench-pulled-');
  const hub = new LocalHub(hubRoot);
  try {
    await linkTree(source, path.join(hubRoot, 'bench', name));
    await hub.start();
    const cli = capture({ HF_ENDPOINT: hub.endpoint, MODELS_DIR: modelsDir });
    const args = ['pull', `bench/${name}`, '--name', name, ...(variant ? ['--variant', variant] : [])];
    if ((await runModelsCli(args, cli.io)) !== 0) throw new Error(`models ${args.join(' ')} failed:\n${cli.err()}`);
  } finally {
    await hub.stop();
    await removeDir(hubRoot);
  }
  const manifest = JSON.parse(await readFile(path.join(modelsDir, name, 'model.json'), 'utf8')) as PulledLm['manifest'];
  return { modelsDir, name, manifest, cleanup: () => removeDir(modelsDir) };
}
