/**
 * One model folder as the engine holds it: its repository entry, where its load stands,
 * and, once bound, its serving state; and the slot's lifecycle (load, unload, crash), whose
 * steps for one model run one after another. `slotInfo` is what the rest of the house sees.
 */
import { TesseraError } from '../errors.js';
import { backendInfo } from './backends/health.js';
import { readEntry, type RepositoryEntry } from './repository/repository.js';
import type { Logger } from './runtime/logger.js';
import type { RuntimeOptions } from './runtime/options.js';
import { bindModel } from './tasks/bind.js';
import { TASK_KINDS } from './tasks/registry.js';
import type { Serving } from './tasks/task-kind.js';
import type { ExecutionProviderName, ModelInfo, ModelStatus } from './types.js';

export interface ModelSlot {
  entry: RepositoryEntry;
  status: ModelStatus;
  loadError: string | null;
  executionProvider: ExecutionProviderName | null;
  serving?: Serving;
  loading?: Promise<Serving>;
  /** Load and unload of one model run one after another, never interleaved. */
  lifecycle: Promise<void>;
}

export function newSlot(entry: RepositoryEntry): ModelSlot {
  return {
    entry,
    status: entry.manifest ? 'UNLOADED' : 'FAILED',
    loadError: entry.error ?? null,
    executionProvider: null,
    lifecycle: Promise.resolve(),
  };
}

export function slotInfo(slot: ModelSlot): ModelInfo {
  const { manifest, fallback } = slot.entry;
  return {
    name: slot.entry.name,
    task: manifest?.task ?? fallback.task,
    description: manifest ? (manifest.description ?? null) : fallback.description,
    inputModalities: manifest?.inputModalities ?? fallback.inputModalities,
    outputModalities: manifest?.outputModalities ?? fallback.outputModalities,
    status: slot.status,
    executionProvider: slot.executionProvider,
    source: manifest?.source ?? fallback.source,
    license: manifest?.license ?? fallback.license,
    preload: manifest?.preload ?? false,
    loadError: slot.loadError,
    hubId: manifest?.hubId ?? null,
    batchingUnavailable: manifest?.batchingUnavailable ?? null,
    backend: manifest?.backend ? backendInfo(manifest.backend) : null,
    prefixCache: slot.status === 'READY' ? (slot.serving?.prefixCache?.() ?? null) : null,
  };
}

/** What a slot's lifecycle needs from the engine. */
export interface SlotLifecycle {
  modelsDir: string;
  runtime: RuntimeOptions;
  logger: Logger;
  isClosed(): boolean;
}

export const shuttingDown = () => new TesseraError('SHUTTING_DOWN', 'The inference engine is shutting down.');

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Starts loading unless a load is already under way; settles when the model is READY or FAILED. */
export function startLoad(slot: ModelSlot, reread: boolean, engine: SlotLifecycle): Promise<Serving> {
  if (slot.loading) return slot.loading;
  slot.status = 'LOADING';
  slot.loadError = null;
  const loading = slot.lifecycle.then(() => load(slot, reread, engine));
  slot.loading = loading;
  slot.lifecycle = loading.then(
    () => undefined,
    () => undefined,
  );
  return loading;
}

async function load(slot: ModelSlot, reread: boolean, engine: SlotLifecycle): Promise<Serving> {
  const name = slot.entry.name;
  const { runtime, logger } = engine;
  const started = performance.now();
  try {
    if (slot.serving) return slot.serving;
    if (reread) slot.entry = await readEntry(engine.modelsDir, name);
    const { entry } = slot;
    if (!entry.manifest) throw new Error(entry.error ?? 'no manifest');
    const context = { entry: { ...entry, manifest: entry.manifest }, runtime, logger, onCrash: (error: Error) => failOnCrash(slot, error, logger) };
    const serving = await bindModel<Serving>(TASK_KINDS[entry.manifest.task], context);
    if (engine.isClosed()) {
      await serving.close(shuttingDown(), true);
      throw shuttingDown();
    }
    slot.serving = serving;
    slot.status = 'READY';
    slot.executionProvider = serving.executionProvider;
    const ms = Math.round(performance.now() - started);
    logger.info({ model: name, executionProvider: serving.executionProvider, ms }, `model ${name}: ready`);
    return serving;
  } catch (error) {
    // A remote engine that is down now may be up for the next request: that load is retried.
    slot.status = isUpstreamOutage(error) ? 'UNLOADED' : 'FAILED';
    slot.loadError = describeError(error);
    logger.error({ model: name, reason: slot.loadError }, `model ${name}: failed to load`);
    throw error;
  } finally {
    slot.loading = undefined;
  }
}

const OUTAGES: ReadonlySet<string> = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'OVERLOADED']);
const isUpstreamOutage = (error: unknown) => error instanceof TesseraError && OUTAGES.has(error.code);

/** A session worker died under a loaded model: nothing it held can be trusted, so fail the model. */
function failOnCrash(slot: ModelSlot, error: Error, logger: Logger): void {
  const serving = slot.serving;
  if (!serving) return;
  slot.serving = undefined;
  slot.status = 'FAILED';
  slot.loadError = `the session worker died: ${error.message}`;
  slot.executionProvider = null;
  logger.error({ model: slot.entry.name, reason: slot.loadError }, `model ${slot.entry.name}: failed while serving`);
  void serving.close(new TesseraError('INFERENCE_FAILED', `Model "${slot.entry.name}" failed: ${slot.loadError}`), true);
}

/** Stops serving: waiting requests are cancelled, running ones finish first. */
export async function unloadSlot(slot: ModelSlot, logger: Logger): Promise<void> {
  const name = slot.entry.name;
  const unloading = slot.lifecycle.then(async () => {
    const serving = slot.serving;
    slot.serving = undefined;
    slot.status = 'UNLOADED';
    slot.loadError = null;
    slot.executionProvider = null;
    if (serving) await serving.close(new TesseraError('CANCELLED', `Model "${name}" was unloaded.`), false);
    logger.info({ model: name }, `model ${name}: unloaded`);
  });
  slot.lifecycle = unloading.catch(() => undefined);
  await unloading;
}
