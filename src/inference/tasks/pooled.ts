/**
 * Binding for the tasks that run on a worker session pool: open the model's graphs (files
 * checked, signatures checked, warm-up run), let the task wire its queue onto the pool,
 * and close the pool if the wiring fails. Closing the serving drains the queue first.
 */
import type { TesseraError } from '../../errors.js';
import { openModel, type OpenedModel } from '../runtime/model-loader.js';
import { queueSettings, type QueueSettings } from './queue-options.js';
import type { BindContext, Serving } from './task-kind.js';

interface Closable {
  close(reason: TesseraError, options: { abortRunning?: boolean }): Promise<void>;
}

export interface PoolWiring {
  opened: OpenedModel;
  /** Queue settings from the manifest; `batchable` says whether this task can stack requests. */
  queue(batchable: boolean): QueueSettings;
}

export async function bindPooled<W extends { task: Serving['task']; scheduler: Closable }>(
  context: BindContext,
  wire: (wiring: PoolWiring) => Promise<W>,
): Promise<W & Serving> {
  const { entry, runtime, logger, onCrash } = context;
  const opened = await openModel(entry, runtime, logger, onCrash);
  let wired: W;
  try {
    wired = await wire({ opened, queue: (batchable) => queueSettings(entry.manifest, logger, batchable) });
  } catch (error) {
    await opened.pool.close();
    throw error;
  }
  return {
    ...wired,
    executionProvider: opened.pool.executionProvider,
    close: async (reason, abortRunning) => {
      await wired.scheduler.close(reason, { abortRunning });
      await opened.pool.close();
    },
  };
}

/** The one graph of a single-graph model. */
export function onlyGraph(opened: OpenedModel, task: string): string {
  const keys = Object.keys(opened.pool.metadata);
  if (keys.length !== 1) throw new Error(`${task} models have exactly one .onnx file; this one has ${keys.length}`);
  return keys[0];
}
