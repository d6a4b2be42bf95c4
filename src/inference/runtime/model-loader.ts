/**
 * Brings one model from its folder to runnable sessions: files present and matching their
 * sha256, sessions open, graph signatures as the manifest declares, one warm-up run.
 * Every failure names the file and what is wrong with it.
 */
import { onnxFileKeys, type ModelManifest } from '../repository/manifest.js';
import { verifyModelFiles, type RepositoryEntry } from '../repository/repository.js';
import { signatureProblems, type GraphMetadata } from '../repository/signature.js';
import type { ExecutionProviderName, OnnxRunner } from '../types.js';
import type { Logger } from './logger.js';
import type { RuntimeOptions } from './options.js';
import { SessionPool } from './session-pool.js';
import { declaredWarmupFeeds, guessedWarmupFeeds } from './warmup.js';

/** A model's graphs as its task uses them: sessions on this machine, or a remote server's models. */
export interface GraphPool {
  readonly executionProvider: ExecutionProviderName;
  readonly metadata: Record<string, GraphMetadata>;
  runner(key: string, label: string): OnnxRunner;
  close(): Promise<void>;
}

export interface OpenedModel {
  pool: GraphPool;
  /** Absolute paths of every manifest file (ONNX graphs and the rest), by key. */
  files: Record<string, string>;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export async function openModel(
  entry: RepositoryEntry & { manifest: ModelManifest },
  runtime: RuntimeOptions,
  logger: Logger,
  onCrash?: (error: Error) => void,
): Promise<OpenedModel> {
  const { manifest } = entry;
  const files = await verifyModelFiles(entry);
  const onnxKeys = onnxFileKeys(manifest);
  const pool = await SessionPool.open(
    Object.fromEntries(onnxKeys.map((key) => [key, files[key]])),
    runtime,
    manifest.batching.concurrency,
    onCrash,
  );
  try {
    if (pool.fallbackReasons.length > 0) {
      logger.warn(
        { model: manifest.name, requested: runtime.executionProvider, used: pool.executionProvider, reasons: pool.fallbackReasons },
        `model ${manifest.name}: falling back to the CPU execution provider`,
      );
    }
    checkSignatures(manifest, pool.metadata, (key) => `files.${key}: ${files[key]}`, logger);
    for (const key of onnxKeys) {
      const declared = manifest.warmup[key];
      if (declared) {
        try {
          await pool.warmUp(key, declaredWarmupFeeds(declared, pool.metadata[key]));
        } catch (error) {
          throw new ModelLoadError(`files.${key}: ${files[key]} failed its warm-up run: ${(error as Error).message}`);
        }
      } else if (manifest.task === 'TENSOR') {
        const guessed = guessedWarmupFeeds(pool.metadata[key]);
        if (guessed) {
          await pool.warmUp(key, guessed).catch((error: Error) =>
            logger.warn({ model: manifest.name, file: key, reason: error.message }, `model ${manifest.name}: warm-up with guessed inputs failed`),
          );
        }
      }
    }
    return { pool, files };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** Each graph against the signature its manifest declares; `where` names a graph in messages. */
export function checkSignatures(manifest: ModelManifest, metadata: Record<string, GraphMetadata>, where: (key: string) => string, logger: Logger): void {
  for (const key of Object.keys(metadata)) {
    const declared = manifest.signature[key];
    if (!declared) {
      logger.warn({ model: manifest.name, graph: key }, `model ${manifest.name}: ${where(key)} has no signature in the manifest; not checked`);
      continue;
    }
    const problems = signatureProblems(declared, metadata[key]);
    if (problems.length > 0) {
      throw new ModelLoadError(`${where(key)} does not match signature.${key} in the manifest: ${problems.join('; ')}`);
    }
  }
}
