/**
 * What a task kind is to the engine. The engine's core keeps model slots and their
 * lifecycles and knows no task; each kind under `tasks/` says which task it serves, how a
 * model of that task is bound (opened and put behind its queue), and its run functions,
 * which take a `TaskCall` the engine has already resolved and checked.
 */
import type { TesseraError } from '../../errors.js';
import type { PrefixCacheStats } from '../generation/prefix-cache.js';
import type { DecodedAudio } from '../media/audio.js';
import type { DecodedImage } from '../media/image.js';
import type { KServeBackend, ModelManifest, OpenAIBackend } from '../repository/manifest.js';
import type { OpenedModel } from '../runtime/model-loader.js';
import type { RepositoryEntry } from '../repository/repository.js';
import type { Logger } from '../runtime/logger.js';
import type { RuntimeOptions } from '../runtime/options.js';
import type { ExecutionProviderName, Task } from '../types.js';

/** A bound model: what its run functions need, and how to let it go. */
export interface Serving {
  readonly task: Task;
  readonly executionProvider: ExecutionProviderName;
  /** A text generator's prefix cache as it is now (size, limit, hits); absent for other tasks. */
  prefixCache?(): PrefixCacheStats;
  /** Cancels waiting work (and running work when `abortRunning`), then frees the sessions. */
  close(reason: TesseraError, abortRunning: boolean): Promise<void>;
}

export interface BindContext {
  entry: RepositoryEntry & { manifest: ModelManifest };
  runtime: RuntimeOptions;
  logger: Logger;
  /** A session worker under the model died: the engine fails the model. */
  onCrash(error: Error): void;
  /**
   * Opens the model's graphs where `bind.ts` decided they run: ONNX sessions on this
   * machine, or the models of a KServe v2 server. Tasks on a pool reach them only so.
   */
  openGraphs(): Promise<OpenedModel>;
}

/** How a kind serves a model whose manifest names a remote engine, per backend kind it supports. */
export interface RemoteBindings<S extends Serving> {
  /** The task's own graphs on a KServe v2 server; usually the kind's pool binding itself. */
  'kserve-v2'?(context: BindContext, backend: KServeBackend): Promise<S>;
  /** The task's OpenAI-compatible endpoint (chat/completions, embeddings, transcriptions). */
  openai?(context: BindContext, backend: OpenAIBackend): Promise<S>;
}

export interface TaskKind<S extends Serving = Serving> {
  readonly task: S['task'];
  /** Opens the model's ONNX files on this machine and wires its run functions. */
  bindLocal(context: BindContext): Promise<S>;
  /** Absent, or without the manifest's backend kind: such a model fails to load, saying so. */
  readonly remote?: RemoteBindings<S>;
}

/**
 * One request as a run function receives it: the model already resolved for the task and
 * the engine open. Media is decoded through the engine's limits; the model loads on the
 * first `serving()`, so run functions check their input before they ask for it.
 */
export interface TaskCall<S extends Serving> {
  readonly model: string;
  readonly manifest: ModelManifest | undefined;
  readonly logger: Logger;
  decodeImage(bytes: Uint8Array): Promise<DecodedImage>;
  decodeAudio(bytes: Uint8Array, sampleRate: number): Promise<DecodedAudio>;
  readonly maxAudioSeconds: number;
  serving(): Promise<S>;
  /** The first usable model of another task, loaded (e.g. a VAD for long audio); null when the repository has none. */
  peer<P extends Serving>(kind: TaskKind<P>, signal: AbortSignal): Promise<P | null>;
}

/** A task kind with its run functions beside it, typed as written. */
export function defineTask<S extends Serving, R extends object>(kind: TaskKind<S> & R): TaskKind<S> & R {
  return kind;
}
