/**
 * A model whose graphs a KServe v2 server runs: its own files here (config.json, the
 * tokenizer, the preprocessor: what pre- and post-processing read) checked as for any model,
 * the server's models in place of the .onnx files, their metadata against the manifest's
 * signature. No warm-up: the server owns its graphs' first-run costs.
 */
import type { KServeBackend, ModelManifest } from '../../repository/manifest.js';
import { verifyModelFiles, type RepositoryEntry } from '../../repository/repository.js';
import type { Logger } from '../../runtime/logger.js';
import { checkSignatures, type OpenedModel } from '../../runtime/model-loader.js';
import { KServeGraphPool } from './graph-pool.js';

export async function openKServeGraphs(entry: RepositoryEntry & { manifest: ModelManifest }, backend: KServeBackend, logger: Logger): Promise<OpenedModel> {
  const files = await verifyModelFiles(entry);
  const pool = await KServeGraphPool.open(entry.manifest.name, backend);
  const names = backend.graphs ?? { model: backend.model };
  checkSignatures(entry.manifest, pool.metadata, (key) => `backend graph ${key} (server model "${names[key]}")`, logger);
  return { pool, files };
}
