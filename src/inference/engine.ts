/**
 * The inference engine: the model repository brought to life. Its core keeps one slot per
 * model folder (status, serving state), loads models on demand or at start, resolves which
 * model a request uses, and hands the request to its task's kind (tasks/registry.ts), which
 * knows how to bind a model of that task and run it. It knows nothing about GraphQL.
 *
 * Request path: call() (engine open, model resolved, not cancelled) → the task's run
 * function: checks and media decoding (before the model loads, so bad input fails fast) →
 * serving() (loads on first use) → the model's queue.
 */
import { resolve } from 'node:path';
import { badInput, modelNotFound, TesseraError, throwIfAborted } from '../errors.js';
import { checkBackend } from './backends/health.js';
import type { GenerationEvent, GenerationRequest } from './generation/types.js';
import { decodeAudio } from './media/audio.js';
import { decodeImage } from './media/image.js';
import type { ModelManifest } from './repository/manifest.js';
import { readEntry, resolveModelAlias, scanRepository, type RepositoryEntry } from './repository/repository.js';
import { chooseEmbeddingModel, chooseModel } from './model-choice.js';
import { describeError, newSlot, shuttingDown, slotInfo, startLoad, unloadSlot, type ModelSlot, type SlotLifecycle } from './model-slot.js';
import { abortable } from './runtime/abortable.js';
import type { Logger } from './runtime/logger.js';
import type { RuntimeOptions } from './runtime/options.js';
import type { TensorInput } from './runtime/tensor-batching.js';
import type { CaptionRequest } from './tasks/captioning/index.js';
import { TASK_KINDS, type ServingOf } from './tasks/registry.js';
import type { Serving, TaskCall, TaskKind } from './tasks/task-kind.js';
import type { TensorResult } from './tasks/tensor/task.js';
import { embeddingModality } from './tasks/vision/validate.js';
import type {
  ClassificationResult,
  EmbeddingInput,
  EmbeddingModality,
  EmbeddingResult,
  ModelInfo,
  BackendHealth,
  OcrResult,
  RunOptions,
  SamplesInput,
  SpeechAudioChunk,
  SpeechOptions,
  Task,
  TranscribeOptions,
  TranscriptionEvent,
  VadResult,
} from './types.js';

export type { RuntimeOptions } from './runtime/options.js';
export type { Logger } from './runtime/logger.js';
export type { TensorInput, TensorOutput } from './runtime/tensor-batching.js';
export type { TensorResult } from './tasks/tensor/task.js';

export interface EngineOptions {
  modelsDir: string;
  runtime: RuntimeOptions;
  logger: Logger;
  limits: { maxImagePixels: number; maxAudioSeconds: number };
}

const MODEL_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export class Engine {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly awaitingPreload = new Set<string>();
  private preloading: Promise<void> = Promise.resolve();
  private closed = false;

  private readonly options: EngineOptions;

  private readonly lifecycle: SlotLifecycle;

  private constructor(options: EngineOptions) {
    this.options = { ...options, modelsDir: resolve(options.modelsDir) };
    const { modelsDir, runtime, logger } = this.options;
    this.lifecycle = { modelsDir, runtime, logger, isClosed: () => this.closed };
  }

  /** Scans the repository and starts loading `preload` models in the background. */
  static async create(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    const entries = await scanRepository(engine.options.modelsDir);
    for (const entry of entries) engine.addSlot(entry);
    for (const entry of entries) if (entry.manifest?.preload) engine.awaitingPreload.add(entry.name);
    engine.preloading = engine.runPreloads();
    return engine;
  }

  private addSlot(entry: RepositoryEntry): ModelSlot {
    const slot = newSlot(entry);
    if (entry.error) this.options.logger.error({ model: entry.name, reason: entry.error }, `model ${entry.name}: unusable manifest`);
    this.slots.set(entry.name, slot);
    return slot;
  }

  /** One model at a time: on a small machine parallel loads only slow each other down. */
  private async runPreloads(): Promise<void> {
    for (const name of [...this.awaitingPreload]) {
      const slot = this.slots.get(name)!;
      try {
        if (!this.closed && slot.status === 'UNLOADED') await startLoad(slot, false, this.lifecycle);
      } catch {
        // The slot records the failure; other models keep loading.
      } finally {
        this.awaitingPreload.delete(name);
      }
    }
  }

  /** Resolves once every `preload` model has finished loading or failed. */
  preloaded(): Promise<void> {
    return this.preloading;
  }

  /** A model's slot by its folder name or, for a pulled model, its hub id. */
  private slotFor(name: string): ModelSlot | undefined {
    const slot = this.slots.get(name);
    if (slot) return slot;
    const folder = resolveModelAlias([...this.slots.values()].map((s) => s.entry), name);
    return folder === undefined ? undefined : this.slots.get(folder);
  }

  models(): ModelInfo[] {
    return [...this.slots.values()].map((slot) => slotInfo(slot));
  }

  model(name: string): ModelInfo | undefined {
    const slot = this.slotFor(name);
    return slot ? slotInfo(slot) : undefined;
  }

  /** Whether the remote engine of a model answers ready now; null for a model of local files. */
  async backendHealth(name: string): Promise<BackendHealth | null> {
    const manifest = this.manifest(name);
    return manifest?.backend ? checkBackend(manifest.name, manifest.backend) : null;
  }

  /** The parsed manifest of a model, for wiring that needs its settings or files. */
  manifest(name: string): ModelManifest | undefined {
    return this.slotFor(name)?.entry.manifest;
  }

  /** The model a request for `task` should use: the one named, else the task's default. */
  resolveModel(task: Task, name?: string): ModelInfo {
    return chooseModel(this.models(), task, name === undefined ? undefined : (this.slotFor(name)?.entry.name ?? name));
  }

  ready(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.closed) reasons.push('the engine is shut down');
    for (const slot of this.slots.values()) {
      if (slot.status === 'LOADING') reasons.push(`model "${slot.entry.name}" is loading`);
      else if (this.awaitingPreload.has(slot.entry.name)) reasons.push(`model "${slot.entry.name}" is waiting to preload`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  private assertOpen(): void {
    if (this.closed) throw shuttingDown();
  }

  /** Loads (or, after a failure, re-reads and retries) a model; the returned info says how it went. */
  async loadModel(name: string): Promise<ModelInfo> {
    this.assertOpen();
    let slot = this.slotFor(name);
    if (!slot) {
      // A folder added after start (e.g. by `models pull`) becomes known on first load; the
      // name check keeps a client-supplied name from reaching outside the repository.
      if (!MODEL_NAME.test(name)) throw modelNotFound(name);
      const entry = await readEntry(this.options.modelsDir, name).catch(() => undefined);
      if (!entry || (!entry.manifest && entry.error?.includes('cannot be read'))) throw modelNotFound(name);
      slot = this.slots.get(name) ?? this.addSlot(entry);
    }
    if (slot.status !== 'READY') await startLoad(slot, true, this.lifecycle).catch(() => undefined);
    return slotInfo(slot);
  }

  /** Stops serving a model: waiting requests are cancelled, running ones finish first. */
  async unloadModel(name: string): Promise<ModelInfo> {
    const slot = this.slotFor(name);
    if (!slot) throw modelNotFound(name);
    await unloadSlot(slot, this.options.logger);
    return slotInfo(slot);
  }

  /** The serving state of a model for a request, loading it on first use. */
  private async serving<S extends Serving>(name: string, kind: TaskKind<S>, signal: AbortSignal | undefined): Promise<S> {
    const slot = this.slots.get(name);
    if (!slot) throw modelNotFound(name);
    if (!slot.serving) {
      if (slot.status === 'FAILED') {
        throw new TesseraError('MODEL_LOAD_FAILED', `Model "${name}" failed to load: ${slot.loadError}`, { model: name });
      }
      try {
        await abortable(startLoad(slot, false, this.lifecycle), signal);
      } catch (error) {
        if (error instanceof TesseraError) throw error;
        throw new TesseraError('MODEL_LOAD_FAILED', `Model "${name}" failed to load: ${describeError(error)}`, { model: name });
      }
    }
    const serving = slot.serving;
    if (!serving) throw new TesseraError('MODEL_NOT_READY', `Model "${name}" is not loaded.`, { model: name });
    if (serving.task !== kind.task) throw badInput(`Model "${name}" serves ${serving.task}, not ${kind.task}.`);
    return serving as S;
  }

  /**
   * Every request's way in: the engine open, the model resolved for the task, not already
   * cancelled; the task's run function gets the rest (media under the limits, the model).
   */
  private call<T extends Task>(task: T, model: string | undefined, signal: AbortSignal | undefined): TaskCall<ServingOf<T>> {
    this.assertOpen();
    const { name } = this.resolveModel(task, model);
    throwIfAborted(signal);
    const { limits, logger } = this.options;
    return {
      model: name,
      manifest: this.manifest(name),
      logger,
      maxAudioSeconds: limits.maxAudioSeconds,
      decodeImage: (bytes) => decodeImage(bytes, { maxPixels: limits.maxImagePixels }),
      decodeAudio: (bytes, targetSampleRate) => decodeAudio(bytes, { targetSampleRate, maxSeconds: limits.maxAudioSeconds }),
      serving: () => this.serving(name, TASK_KINDS[task] as unknown as TaskKind<ServingOf<T>>, signal),
      peer: async (kind, peerSignal) => {
        const peer = this.models().find((m) => m.task === kind.task && m.status !== 'FAILED');
        return peer ? this.serving(peer.name, kind, peerSignal) : null;
      },
    };
  }

  async recognizeText(model: string | undefined, image: Uint8Array, options: RunOptions = {}): Promise<OcrResult> {
    return TASK_KINDS.OCR.recognizeText(this.call('OCR', model, options.signal), image, options);
  }

  async detectSpeech(model: string | undefined, audio: Uint8Array, options: RunOptions & { threshold?: number } = {}): Promise<VadResult> {
    return TASK_KINDS.VAD.detectSpeech(this.call('VAD', model, options.signal), audio, options);
  }

  /** Named tensors in, named tensors out, for TENSOR models; see tasks/tensor. */
  async runTensors(model: string, feeds: Record<string, TensorInput>, options: RunOptions = {}): Promise<TensorResult> {
    return TASK_KINDS.TENSOR.runTensors(this.call('TENSOR', model, options.signal), feeds, options);
  }

  async generate(model: string | undefined, request: GenerationRequest, options: { signal?: AbortSignal } = {}): Promise<AsyncIterable<GenerationEvent>> {
    return TASK_KINDS.TEXT_GENERATION.generate(this.call('TEXT_GENERATION', model, options.signal), request, options);
  }

  /** Images and text in chat messages to streamed text, for IMAGE_TEXT_TO_TEXT (vision-language) models. */
  async generateFromImages(model: string | undefined, request: GenerationRequest, options: { signal?: AbortSignal } = {}): Promise<AsyncIterable<GenerationEvent>> {
    return TASK_KINDS.IMAGE_TEXT_TO_TEXT.generate(this.call('IMAGE_TEXT_TO_TEXT', model, options.signal), request, options);
  }

  /** Speech to text, cut at the VAD model's speech boundaries when long, or at `options.regions`. */
  async transcribe(model: string | undefined, audio: Uint8Array | SamplesInput, options: TranscribeOptions = {}): Promise<AsyncIterable<TranscriptionEvent>> {
    return TASK_KINDS.SPEECH_RECOGNITION.transcribe(this.call('SPEECH_RECOGNITION', model, options.signal), audio, options);
  }

  async classifyImage(model: string | undefined, image: Uint8Array, options: RunOptions & { topK?: number } = {}): Promise<ClassificationResult> {
    return TASK_KINDS.IMAGE_CLASSIFICATION.classify(this.call('IMAGE_CLASSIFICATION', model, options.signal), image, options);
  }

  async classifyImageZeroShot(
    model: string | undefined,
    image: Uint8Array,
    labels: string[],
    options: RunOptions & { hypothesisTemplate?: string } = {},
  ): Promise<ClassificationResult> {
    const call = this.call('ZERO_SHOT_IMAGE_CLASSIFICATION', model, options.signal);
    return TASK_KINDS.ZERO_SHOT_IMAGE_CLASSIFICATION.classify(call, image, labels, options);
  }

  /** The model that embeds `modality`; vectors are comparable only between calls on the same model. */
  embeddingModelFor(modality: EmbeddingModality, name?: string): ModelInfo {
    return chooseEmbeddingModel(this.models(), modality, name === undefined ? undefined : (this.slotFor(name)?.entry.name ?? name));
  }

  /** One embedding of exactly one of text or image, L2-normalised unless the model's settings say otherwise. */
  async embed(model: string | undefined, input: EmbeddingInput, options: RunOptions = {}): Promise<EmbeddingResult> {
    const modality = embeddingModality(input);
    const info = this.embeddingModelFor(modality, model);
    const result =
      info.task === 'TEXT_EMBEDDING'
        ? await TASK_KINDS.TEXT_EMBEDDING.embed(this.call('TEXT_EMBEDDING', info.name, options.signal), input.text!, options)
        : await TASK_KINDS.ZERO_SHOT_IMAGE_CLASSIFICATION.embed(this.call('ZERO_SHOT_IMAGE_CLASSIFICATION', info.name, options.signal), input, options);
    return { ...result, model: info.name, dimension: result.vector.length, modality };
  }

  /** Streams a caption of the image as generation events, batched with concurrent captions of the same model. */
  async captionImage(
    model: string | undefined,
    image: Uint8Array,
    request: CaptionRequest = {},
    options: { signal?: AbortSignal } = {},
  ): Promise<AsyncIterable<GenerationEvent>> {
    return TASK_KINDS.IMAGE_CAPTIONING.caption(this.call('IMAGE_CAPTIONING', model, options.signal), image, request, options);
  }

  /** Speech from text, one chunk per sentence; text, speed and voice are checked before this returns. */
  async speak(model: string | undefined, text: string, options: SpeechOptions = {}): Promise<AsyncIterable<SpeechAudioChunk>> {
    return TASK_KINDS.TEXT_TO_SPEECH.speak(this.call('TEXT_TO_SPEECH', model, options.signal), text, options);
  }

  /** Cancels waiting work, aborts running work, and releases every session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        await slot.loading?.catch(() => undefined);
        const serving = slot.serving;
        slot.serving = undefined;
        if (slot.status === 'READY') slot.status = 'UNLOADED';
        slot.executionProvider = null;
        if (serving) await serving.close(shuttingDown(), true);
      }),
    );
    await this.preloading;
  }
}
