/**
 * A model's scheduler settings from its manifest. A task that cannot stack requests runs
 * them one by one whatever the manifest asks, and says so once at load.
 */
import type { ModelManifest } from '../repository/manifest.js';
import type { Logger } from '../runtime/logger.js';

export interface QueueSettings {
  what: string;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueue: number;
  concurrency: number;
}

export function queueSettings(manifest: ModelManifest, logger: Logger, batchable: boolean): QueueSettings {
  const { batching } = manifest;
  if (!batchable && batching.maxBatchSize > 1) {
    logger.warn(
      { model: manifest.name, maxBatchSize: batching.maxBatchSize },
      `model ${manifest.name}: requests cannot be batched for this model; maxBatchSize is treated as 1`,
    );
  }
  return {
    what: `model "${manifest.name}"`,
    maxBatchSize: batchable ? batching.maxBatchSize : 1,
    maxQueueDelayMs: batchable ? batching.maxQueueDelayMs : 0,
    maxQueue: batching.maxQueue,
    concurrency: batching.concurrency,
  };
}

export function numberSetting(settings: Record<string, unknown>, key: string, fallback: number): number {
  const value = settings[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
