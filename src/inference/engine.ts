/**
 * The inference engine: the model repository brought to life. It keeps one slot per model
 * folder (status, sessions, queue), loads models on demand or at start, and turns a
 * request into decode → queue → run → result. It knows nothing about GraphQL.
 *
 * Request path: resolveModel → decode the media (before queueing, so bad input fails
 * fast) → the model's Scheduler → the task's run function on the model's session pool.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { badInput, isCancellation, modelNotFound, TesseraError, throwIfAborted } from '../errors.js';
import { decodeAudio } from './media/audio.js';
import { decodeImage, type DecodedImage } from './media/image.js';
import { readEntry, scanRepository, type RepositoryEntry } from './repository/repository.js';
import type { ModelManifest } from './repository/manifest.js';
import { abortable } from './runtime/abortable.js';
import type { Logger } from './runtime/logger.js';
import { openModel, type OpenedModel } from './runtime/model-loader.js';
import { sessionSettings, type RuntimeOptions } from './runtime/options.js';
import { createSession } from './runtime/create-session.js';
import { verifyModelFiles } from './repository/repository.js';
import { TextGenerator } from './generation/text-generator.js';
import type { GenerationEvent, GenerationRequest } from './generation/types.js';
import {
  hasBatchAxis,
  splitOutputs,
  stackFeeds,
  tensorRequest,
  type TensorInput,
  type TensorOutput,
  type TensorRequest,
} from './runtime/tensor-batching.js';
import { Scheduler } from './scheduler/scheduler.js';
import { parseCharset } from './tasks/ocr/charset.js';
import { recognizeText, type OcrOptions } from './tasks/ocr/recognize.js';
import { detectSpeech } from './tasks/vad/detect.js';
import { DualEncoder } from './tasks/vision/dual-encoder.js';
import { ImageClassifier } from './tasks/vision/image-classifier.js';
import { TextEmbedder } from './tasks/vision/text-embedder.js';
import type { ClassificationResult, EmbeddingInput, EmbeddingModality, EmbeddingResult } from './tasks/vision/types.js';
import { checkLabels, checkTemplate, checkTopK, embeddingModality } from './tasks/vision/validate.js';
import { openRecognizer } from './tasks/asr/recognizer.js';
import { samplesAt } from './tasks/asr/samples.js';
import { transcriptionStream } from './tasks/asr/stream.js';
import type { Recognizer, SamplesInput, TranscribeOptions, TranscriptionEvent, WindowJob, WindowResult } from './tasks/asr/types.js';
import { openCaptioner, validateCaptionRequest, type CaptionRequest, type ImageCaptioner } from './tasks/captioning/index.js';
import type {
  ExecutionProviderName,
  ModelInfo,
  ModelStatus,
  OcrResult,
  RunOptions,
  RunStats,
  SpeechSegment,
  Task,
  VadResult,
} from './types.js';

export type { RuntimeOptions } from './runtime/options.js';
export type { Logger } from './runtime/logger.js';
export type { TensorInput, TensorOutput } from './runtime/tensor-batching.js';

export interface EngineOptions {
  modelsDir: string;
  runtime: RuntimeOptions;
  logger: Logger;
  limits: { maxImagePixels: number; maxAudioSeconds: number };
}

export interface TensorResult {
  outputs: Record<string, TensorOutput>;
  stats: RunStats;
}

type OcrOutput = Omit<OcrResult, 'stats'>;

interface VadJob {
  samples: Float32Array;
  sampleRate: number;
  threshold?: number;
}

/** A loaded model ready for requests: its sessions and the queue in front of them, per task. */
type Serving =
  | { task: 'OCR'; opened: OpenedModel; scheduler: Scheduler<DecodedImage, OcrOutput> }
  | { task: 'VAD'; opened: OpenedModel; scheduler: Scheduler<VadJob, SpeechSegment[]>; sampleRate: number }
  | { task: 'TENSOR'; opened: OpenedModel; scheduler: Scheduler<TensorRequest, Record<string, TensorOutput>>; batchable: boolean }
  | { task: 'SPEECH_RECOGNITION'; opened: OpenedModel; scheduler: Scheduler<WindowJob, WindowResult>; recognizer: Recognizer }
  | { task: 'IMAGE_CLASSIFICATION'; opened: OpenedModel; scheduler: ImageClassifier['scheduler']; classifier: ImageClassifier }
  | { task: 'ZERO_SHOT_IMAGE_CLASSIFICATION'; opened: OpenedModel; scheduler: DualEncoder['scheduler']; encoder: DualEncoder }
  | { task: 'TEXT_EMBEDDING'; opened: OpenedModel; scheduler: TextEmbedder['scheduler']; embedder: TextEmbedder }
  | { task: 'IMAGE_CAPTIONING'; opened: OpenedModel; scheduler: ImageCaptioner['scheduler']; captioner: ImageCaptioner }
  /** Generation schedules itself (continuous batching in the generator's decode loop). */
  | { task: 'TEXT_GENERATION'; opened?: undefined; scheduler?: undefined; generator: TextGenerator; executionProvider: ExecutionProviderName };

interface ModelSlot {
  entry: RepositoryEntry;
  status: ModelStatus;
  loadError: string | null;
  executionProvider: ExecutionProviderName | null;
  serving?: Serving;
  loading?: Promise<Serving>;
  /** Load and unload of one model run one after another, never interleaved. */
  lifecycle: Promise<void>;
}

const MODEL_NAME = /^[a-z0-9][a-z0-9._-]*$/;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function numberSetting(settings: Record<string, unknown>, key: string, fallback: number): number {
  const value = settings[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function optionalNumbers<K extends string>(settings: Record<string, unknown>, keys: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const value = settings[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

function onlyGraph(metadata: Record<string, unknown>, task: Task): string {
  const keys = Object.keys(metadata);
  if (keys.length !== 1) throw new Error(`${task} models have exactly one .onnx file; this one has ${keys.length}`);
  return keys[0];
}

export class Engine {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly awaitingPreload = new Set<string>();
  private preloading: Promise<void> = Promise.resolve();
  private closed = false;

  private readonly options: EngineOptions;

  private constructor(options: EngineOptions) {
    this.options = { ...options, modelsDir: resolve(options.modelsDir) };
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
    const slot: ModelSlot = {
      entry,
      status: entry.manifest ? 'UNLOADED' : 'FAILED',
      loadError: entry.error ?? null,
      executionProvider: null,
      lifecycle: Promise.resolve(),
    };
    if (entry.error) this.options.logger.error({ model: entry.name, reason: entry.error }, `model ${entry.name}: unusable manifest`);
    this.slots.set(entry.name, slot);
    return slot;
  }

  /** One model at a time: on a small machine parallel loads only slow each other down. */
  private async runPreloads(): Promise<void> {
    for (const name of [...this.awaitingPreload]) {
      const slot = this.slots.get(name)!;
      try {
        if (!this.closed && slot.status === 'UNLOADED') await this.startLoad(slot, false);
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

  private info(slot: ModelSlot): ModelInfo {
    const manifest = slot.entry.manifest;
    const fallback = slot.entry.fallback;
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
    };
  }

  models(): ModelInfo[] {
    return [...this.slots.values()].map((slot) => this.info(slot));
  }

  model(name: string): ModelInfo | undefined {
    const slot = this.slots.get(name);
    return slot ? this.info(slot) : undefined;
  }

  /** The parsed manifest of a model, for wiring that needs its settings or files. */
  manifest(name: string): ModelManifest | undefined {
    return this.slots.get(name)?.entry.manifest;
  }

  /**
   * The model a request for `task` should use: the one named (which must serve that
   * task), or else the first ready model of the task, then the first that can still load.
   */
  resolveModel(task: Task, name?: string): ModelInfo {
    if (name !== undefined) {
      const slot = this.slots.get(name);
      if (!slot) throw modelNotFound(name);
      const info = this.info(slot);
      if (info.task !== task) {
        throw badInput(`Model "${name}" serves ${info.task}, not ${task}.`, { model: name, task: info.task, requested: task });
      }
      return info;
    }
    const candidates = this.models().filter((m) => m.task === task);
    const pick =
      candidates.find((m) => m.status === 'READY') ??
      candidates.find((m) => m.status === 'LOADING' || m.status === 'UNLOADED') ??
      candidates[0];
    if (!pick) {
      throw new TesseraError('MODEL_NOT_FOUND', `No ${task} model is in the model repository.`, { task });
    }
    return pick;
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
    if (this.closed) throw new TesseraError('SHUTTING_DOWN', 'The inference engine is shutting down.');
  }

  /** Loads (or, after a failure, re-reads and retries) a model; the returned info says how it went. */
  async loadModel(name: string): Promise<ModelInfo> {
    this.assertOpen();
    let slot = this.slots.get(name);
    if (!slot) {
      // A folder added after start (e.g. by `models pull`) becomes known on first load; the
      // name check keeps a client-supplied name from reaching outside the repository.
      if (!MODEL_NAME.test(name)) throw modelNotFound(name);
      const entry = await readEntry(this.options.modelsDir, name).catch(() => undefined);
      if (!entry || (!entry.manifest && entry.error?.includes('cannot be read'))) throw modelNotFound(name);
      slot = this.slots.get(name) ?? this.addSlot(entry);
    }
    if (slot.status !== 'READY') await this.startLoad(slot, true).catch(() => undefined);
    return this.info(slot);
  }

  /** Stops serving a model: waiting requests are cancelled, running ones finish first. */
  async unloadModel(name: string): Promise<ModelInfo> {
    const slot = this.slots.get(name);
    if (!slot) throw modelNotFound(name);
    const unloading = slot.lifecycle.then(async () => {
      const serving = slot.serving;
      slot.serving = undefined;
      slot.status = 'UNLOADED';
      slot.loadError = null;
      slot.executionProvider = null;
      if (serving) await this.release(serving, new TesseraError('CANCELLED', `Model "${name}" was unloaded.`), false);
      this.options.logger.info({ model: name }, `model ${name}: unloaded`);
    });
    slot.lifecycle = unloading.catch(() => undefined);
    await unloading;
    return this.info(slot);
  }

  private async release(serving: Serving, reason: TesseraError, abortRunning: boolean): Promise<void> {
    await serving.scheduler?.close(reason, { abortRunning });
    if (serving.task === 'TEXT_GENERATION') await serving.generator.close();
    else await serving.opened.pool.close();
  }

  /** Starts loading unless a load is already under way; settles when the model is READY or FAILED. */
  private startLoad(slot: ModelSlot, reread: boolean): Promise<Serving> {
    if (slot.loading) return slot.loading;
    slot.status = 'LOADING';
    slot.loadError = null;
    const loading = slot.lifecycle.then(() => this.load(slot, reread));
    slot.loading = loading;
    slot.lifecycle = loading.then(
      () => undefined,
      () => undefined,
    );
    return loading;
  }

  private async load(slot: ModelSlot, reread: boolean): Promise<Serving> {
    const name = slot.entry.name;
    const started = performance.now();
    try {
      if (slot.serving) return slot.serving;
      if (reread) slot.entry = await readEntry(this.options.modelsDir, name);
      const { entry } = slot;
      if (!entry.manifest) throw new Error(entry.error ?? 'no manifest');
      const manifest = entry.manifest;
      if (manifest.task === 'TEXT_GENERATION') {
        const serving = await this.openGenerator({ ...entry, manifest });
        if (this.closed) {
          await this.release(serving, new TesseraError('SHUTTING_DOWN', 'The inference engine is shutting down.'), true);
          throw new TesseraError('SHUTTING_DOWN', 'The inference engine is shutting down.');
        }
        slot.serving = serving;
        slot.status = 'READY';
        slot.executionProvider = serving.executionProvider;
        this.options.logger.info(
          { model: name, executionProvider: serving.executionProvider, ms: Math.round(performance.now() - started) },
          `model ${name}: ready`,
        );
        return serving;
      }
      const opened = await openModel({ ...entry, manifest }, this.options.runtime, this.options.logger, (error) =>
        this.onCrash(slot, error),
      );
      let serving: Serving;
      try {
        serving = await this.bind(manifest, opened);
      } catch (error) {
        await opened.pool.close();
        throw error;
      }
      if (this.closed) {
        await this.release(serving, new TesseraError('SHUTTING_DOWN', 'The inference engine is shutting down.'), true);
        throw new TesseraError('SHUTTING_DOWN', 'The inference engine is shutting down.');
      }
      slot.serving = serving;
      slot.status = 'READY';
      slot.executionProvider = opened.pool.executionProvider;
      this.options.logger.info(
        { model: name, executionProvider: opened.pool.executionProvider, ms: Math.round(performance.now() - started) },
        `model ${name}: ready`,
      );
      return serving;
    } catch (error) {
      slot.status = 'FAILED';
      slot.loadError = describeError(error);
      this.options.logger.error({ model: name, reason: slot.loadError }, `model ${name}: failed to load`);
      throw error;
    } finally {
      slot.loading = undefined;
    }
  }

  /** A session worker died under a loaded model: nothing it held can be trusted, so fail the model. */
  private onCrash(slot: ModelSlot, error: Error): void {
    const serving = slot.serving;
    if (!serving) return;
    slot.serving = undefined;
    slot.status = 'FAILED';
    slot.loadError = `the session worker died: ${error.message}`;
    slot.executionProvider = null;
    this.options.logger.error({ model: slot.entry.name, reason: slot.loadError }, `model ${slot.entry.name}: failed while serving`);
    void this.release(serving, new TesseraError('INFERENCE_FAILED', `Model "${slot.entry.name}" failed: ${slot.loadError}`), true);
  }

  private schedulerOptions(manifest: ModelManifest, batchable: boolean) {
    const { batching } = manifest;
    if (!batchable && batching.maxBatchSize > 1) {
      this.options.logger.warn(
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

  /** Puts the task's run function behind a scheduler. */
  private async bind(manifest: ModelManifest, opened: OpenedModel): Promise<Serving> {
    const { pool, files } = opened;
    const dir = this.slots.get(manifest.name)!.entry.dir;
    const settings = manifest.settings;
    switch (manifest.task) {
      case 'OCR': {
        for (const key of ['det', 'rec', 'keys']) {
          if (!files[key]) throw new Error(`OCR models need files.det, files.rec and files.keys; files.${key} is missing`);
        }
        const charset = parseCharset(await readFile(files.keys, 'utf8'));
        const runners = {
          det: pool.runner('det', `${manifest.name}/det`),
          cls: files.cls ? pool.runner('cls', `${manifest.name}/cls`) : undefined,
          rec: pool.runner('rec', `${manifest.name}/rec`),
        };
        const ocrOptions = settings as OcrOptions;
        const scheduler = new Scheduler<DecodedImage, OcrOutput>({
          ...this.schedulerOptions(manifest, false),
          run: async ([image], signal) => [await recognizeText(image, runners, charset, { ...ocrOptions, signal })],
        });
        return { task: 'OCR', opened, scheduler };
      }
      case 'VAD': {
        const [key] = Object.keys(pool.metadata);
        const runner = pool.runner(key, `${manifest.name}/${key}`);
        const sampleRate = numberSetting(settings, 'sampleRate', 16000);
        const tuning = optionalNumbers(settings, ['threshold', 'minSpeechMs', 'minSilenceMs', 'speechPadMs'] as const);
        const scheduler = new Scheduler<VadJob, SpeechSegment[]>({
          ...this.schedulerOptions(manifest, false),
          run: async ([job], signal) => [
            await detectSpeech(job.samples, job.sampleRate, runner, { ...tuning, threshold: job.threshold ?? tuning.threshold, signal }),
          ],
        });
        return { task: 'VAD', opened, scheduler, sampleRate };
      }
      case 'TENSOR': {
        const keys = Object.keys(pool.metadata);
        if (keys.length !== 1) throw new Error(`TENSOR models have exactly one .onnx file; this one has ${keys.length}`);
        const runner = pool.runner(keys[0], manifest.name);
        const batchable = hasBatchAxis(pool.metadata[keys[0]]);
        const scheduler = new Scheduler<TensorRequest, Record<string, TensorOutput>>({
          ...this.schedulerOptions(manifest, batchable),
          weight: (request) => request.rows,
          batchKey: (request) => request.key,
          run: async (requests, signal) => {
            const outputs = await runner.run(batchable ? stackFeeds(requests) : requests[0].feeds, signal);
            return splitOutputs(outputs, requests, batchable);
          },
        });
        return { task: 'TENSOR', opened, scheduler, batchable };
      }
      case 'SPEECH_RECOGNITION': {
        const recognizer = await openRecognizer(manifest, opened);
        const scheduler = new Scheduler<WindowJob, WindowResult>({
          ...this.schedulerOptions(manifest, false),
          run: async ([job], signal) => [await recognizer.transcribeWindow(job, signal)],
        });
        return { task: 'SPEECH_RECOGNITION', opened, scheduler, recognizer };
      }
      case 'IMAGE_CLASSIFICATION': {
        const classifier = await ImageClassifier.open(
          { dir, files },
          pool.runner(onlyGraph(pool.metadata, manifest.task), manifest.name),
          settings,
          this.schedulerOptions(manifest, true),
        );
        return { task: 'IMAGE_CLASSIFICATION', opened, scheduler: classifier.scheduler, classifier };
      }
      case 'ZERO_SHOT_IMAGE_CLASSIFICATION': {
        // `text`/`vision`, or the keys a pulled HF export gets from its file names.
        const [text, vision] = [['text', 'text_model'], ['vision', 'vision_model']].map((keys) => keys.find((key) => pool.metadata[key]));
        if (!text || !vision) throw new Error('dual-encoder models need files.text and files.vision (.onnx graphs)');
        const encoder = await DualEncoder.open(
          { dir, files },
          { text: pool.runner(text, `${manifest.name}/text`), vision: pool.runner(vision, `${manifest.name}/vision`) },
          settings,
          this.schedulerOptions(manifest, true),
        );
        return { task: 'ZERO_SHOT_IMAGE_CLASSIFICATION', opened, scheduler: encoder.scheduler, encoder };
      }
      case 'TEXT_EMBEDDING': {
        const embedder = await TextEmbedder.open(
          { dir, files },
          pool.runner(onlyGraph(pool.metadata, manifest.task), manifest.name),
          settings,
          this.schedulerOptions(manifest, true),
        );
        return { task: 'TEXT_EMBEDDING', opened, scheduler: embedder.scheduler, embedder };
      }
      case 'IMAGE_CAPTIONING': {
        const captioner = await openCaptioner(manifest.name, dir, opened, this.schedulerOptions(manifest, true));
        return { task: 'IMAGE_CAPTIONING', opened, scheduler: captioner.scheduler, captioner };
      }
      case 'TEXT_GENERATION':
        throw new Error('text-generation models are opened by openGenerator');
    }
  }

  /**
   * A decoder LM runs in this thread with its own decode loop: steps of concurrent requests
   * share one session run, which a per-request queue in front of it could not do.
   */
  private async openGenerator(entry: RepositoryEntry & { manifest: ModelManifest }): Promise<Extract<Serving, { task: 'TEXT_GENERATION' }>> {
    const { manifest } = entry;
    const files = await verifyModelFiles(entry);
    const graph = Object.keys(files).find((key) => files[key].toLowerCase().endsWith('.onnx'))!;
    let executionProvider: ExecutionProviderName = 'cpu';
    const generator = await TextGenerator.load(entry.dir, {
      graphFile: relative(entry.dir, files[graph]),
      maxBatchSize: manifest.batching.maxBatchSize,
      maxQueue: manifest.batching.maxQueue,
      tokenBudget: numberSetting(manifest.settings, 'tokenBudget', 2048),
      logger: this.options.logger,
      createSession: async (file) => {
        const created = await createSession(file, sessionSettings(this.options.runtime));
        executionProvider = created.executionProvider;
        if (created.fallbackReason) {
          this.options.logger.warn({ model: manifest.name, reason: created.fallbackReason }, `model ${manifest.name}: falling back to the CPU execution provider`);
        }
        return created.session;
      },
    });
    try {
      // Warm-up: one token, so the first user request does not pay for graph initialisation.
      for await (const _event of generator.generate({ prompt: 'a', maxTokens: 1 })) void _event;
    } catch (error) {
      await generator.close();
      throw error;
    }
    return { task: 'TEXT_GENERATION', generator, executionProvider };
  }

  /** The serving state of a model for a request, loading it on first use. */
  private async serving<T extends Task>(name: string, task: T, signal: AbortSignal | undefined): Promise<Extract<Serving, { task: T }>> {
    const slot = this.slots.get(name);
    if (!slot) throw modelNotFound(name);
    if (!slot.serving) {
      if (slot.status === 'FAILED') {
        throw new TesseraError('MODEL_LOAD_FAILED', `Model "${name}" failed to load: ${slot.loadError}`, { model: name });
      }
      try {
        await abortable(this.startLoad(slot, false), signal);
      } catch (error) {
        if (error instanceof TesseraError) throw error;
        throw new TesseraError('MODEL_LOAD_FAILED', `Model "${name}" failed to load: ${describeError(error)}`, { model: name });
      }
    }
    const serving = slot.serving;
    if (!serving) throw new TesseraError('MODEL_NOT_READY', `Model "${name}" is not loaded.`, { model: name });
    if (serving.task !== task) throw badInput(`Model "${name}" serves ${serving.task}, not ${task}.`);
    return serving as Extract<Serving, { task: T }>;
  }

  async recognizeText(model: string | undefined, image: Uint8Array, options: RunOptions = {}): Promise<OcrResult> {
    this.assertOpen();
    const { name } = this.resolveModel('OCR', model);
    throwIfAborted(options.signal);
    const decoded = await decodeImage(image, { maxPixels: this.options.limits.maxImagePixels });
    const serving = await this.serving(name, 'OCR', options.signal);
    const { output, stats } = await serving.scheduler.submit(decoded, options);
    return { ...output, stats };
  }

  async detectSpeech(model: string | undefined, audio: Uint8Array, options: RunOptions & { threshold?: number } = {}): Promise<VadResult> {
    this.assertOpen();
    const { name } = this.resolveModel('VAD', model);
    const { threshold } = options;
    if (threshold !== undefined && !(threshold > 0 && threshold < 1)) {
      throw badInput(`threshold must be between 0 and 1 (exclusive), got ${threshold}.`, { threshold });
    }
    throwIfAborted(options.signal);
    const sampleRate = numberSetting(this.slots.get(name)?.entry.manifest?.settings ?? {}, 'sampleRate', 16000);
    const decoded = await decodeAudio(audio, { targetSampleRate: sampleRate, maxSeconds: this.options.limits.maxAudioSeconds });
    const serving = await this.serving(name, 'VAD', options.signal);
    const { output, stats } = await serving.scheduler.submit(
      { samples: decoded.samples, sampleRate: decoded.sampleRate, threshold },
      options,
    );
    return { segments: output, durationSeconds: decoded.durationSeconds, sampleRate: decoded.sampleRate, stats };
  }

  /**
   * Named tensors in, named tensors out, for TENSOR models. Requests with the same
   * non-batch dims are stacked along axis 0 when the model has a dynamic batch axis.
   * int64 outputs come back as JS numbers (exact up to 2^53).
   */
  async runTensors(model: string, feeds: Record<string, TensorInput>, options: RunOptions = {}): Promise<TensorResult> {
    this.assertOpen();
    const { name } = this.resolveModel('TENSOR', model);
    throwIfAborted(options.signal);
    const serving = await this.serving(name, 'TENSOR', options.signal);
    const metadata = Object.values(serving.opened.pool.metadata)[0];
    const request = tensorRequest(feeds, metadata, serving.batchable);
    const { output, stats } = await serving.scheduler.submit(request, options);
    return { outputs: output, stats };
  }

  /**
   * Validates the request against the model (bad parameters, prompt too long for the
   * context) and returns its event stream; work starts when iteration starts.
   */
  async generate(model: string | undefined, request: GenerationRequest, options: { signal?: AbortSignal } = {}): Promise<AsyncIterable<GenerationEvent>> {
    this.assertOpen();
    const { name } = this.resolveModel('TEXT_GENERATION', model);
    throwIfAborted(options.signal);
    const serving = await this.serving(name, 'TEXT_GENERATION', options.signal);
    // A chat format without an end-of-turn token runs on into the next turn; the manifest
    // names where a turn ends (settings.chatStop), used unless the client sets its own stops.
    const chatStop = this.slots.get(name)?.entry.manifest?.settings.chatStop;
    const withStops =
      request.messages && request.stop === undefined && Array.isArray(chatStop) ? { ...request, stop: chatStop as string[] } : request;
    return serving.generator.generate(withStops, options);
  }

  /**
   * Speech to text. The audio is decoded (or, for samples, checked) and the language checked
   * against the model before this resolves; the returned stream decodes window by window
   * when read: segments as each window finishes, tokens as a token-by-token decoder makes them.
   * Audio longer than the model's window is cut at the speech boundaries a VAD model finds.
   */
  async transcribe(
    model: string | undefined,
    audio: Uint8Array | SamplesInput,
    options: TranscribeOptions = {},
  ): Promise<AsyncIterable<TranscriptionEvent>> {
    this.assertOpen();
    const { name } = this.resolveModel('SPEECH_RECOGNITION', model);
    throwIfAborted(options.signal);
    const serving = await this.serving(name, 'SPEECH_RECOGNITION', options.signal);
    const { recognizer, scheduler } = serving;
    recognizer.checkLanguage(options.language);
    const maxSeconds = this.options.limits.maxAudioSeconds;
    const decoded =
      audio instanceof Uint8Array
        ? await decodeAudio(audio, { targetSampleRate: recognizer.sampleRate, maxSeconds })
        : samplesAt(audio, recognizer.sampleRate, maxSeconds);
    const findSpeech = async (samples: Float32Array, sampleRate: number, signal: AbortSignal) => {
      const vad = this.models().find((m) => m.task === 'VAD' && m.status !== 'FAILED');
      if (!vad) return null;
      let vadServing: Extract<Serving, { task: 'VAD' }>;
      try {
        vadServing = await this.serving(vad.name, 'VAD', signal);
      } catch (error) {
        if (isCancellation(error)) throw error;
        // A broken VAD model costs the windows their speech boundaries, not the transcription.
        this.options.logger.warn({ model: vad.name, reason: describeError(error) }, `transcription: VAD model ${vad.name} unavailable; fixed windows`);
        return null;
      }
      return (await vadServing.scheduler.submit({ samples, sampleRate }, { signal })).output;
    };
    return transcriptionStream(decoded, { recognizer, submit: (job, o) => scheduler.submit(job, o), findSpeech }, options);
  }

  /** Scores an image against the classifier's own labels; the `topK` best (default 5), highest first. */
  async classifyImage(model: string | undefined, image: Uint8Array, options: RunOptions & { topK?: number } = {}): Promise<ClassificationResult> {
    this.assertOpen();
    const topK = checkTopK(options.topK);
    const { name } = this.resolveModel('IMAGE_CLASSIFICATION', model);
    throwIfAborted(options.signal);
    const decoded = await decodeImage(image, { maxPixels: this.options.limits.maxImagePixels });
    const serving = await this.serving(name, 'IMAGE_CLASSIFICATION', options.signal);
    return { ...(await serving.classifier.classify(decoded, topK, options)), model: name };
  }

  /**
   * Scores an image against labels chosen per request on a dual encoder, highest first.
   * Without a hypothesisTemplate, each label scores its best over the manifest's templates.
   */
  async classifyImageZeroShot(
    model: string | undefined,
    image: Uint8Array,
    labels: string[],
    options: RunOptions & { hypothesisTemplate?: string } = {},
  ): Promise<ClassificationResult> {
    this.assertOpen();
    checkLabels(labels);
    if (options.hypothesisTemplate !== undefined) checkTemplate(options.hypothesisTemplate);
    const { name } = this.resolveModel('ZERO_SHOT_IMAGE_CLASSIFICATION', model);
    throwIfAborted(options.signal);
    const decoded = await decodeImage(image, { maxPixels: this.options.limits.maxImagePixels });
    const serving = await this.serving(name, 'ZERO_SHOT_IMAGE_CLASSIFICATION', options.signal);
    return { ...(await serving.encoder.zeroShot(decoded, labels, options.hypothesisTemplate, options)), model: name };
  }

  /**
   * The model that embeds `modality`: the one named (a dual encoder, or a TEXT_EMBEDDING
   * model for text), else the default dual encoder, else (text only) the default
   * TEXT_EMBEDDING model. Vectors are comparable only between calls on the same model.
   */
  embeddingModelFor(modality: EmbeddingModality, name?: string): ModelInfo {
    if (name !== undefined) {
      const slot = this.slots.get(name);
      if (!slot) throw modelNotFound(name);
      const info = this.info(slot);
      if (info.task === 'ZERO_SHOT_IMAGE_CLASSIFICATION' || (info.task === 'TEXT_EMBEDDING' && modality === 'TEXT')) return info;
      const can = modality === 'TEXT' ? 'ZERO_SHOT_IMAGE_CLASSIFICATION or TEXT_EMBEDDING' : 'ZERO_SHOT_IMAGE_CLASSIFICATION';
      throw badInput(`Model "${name}" serves ${info.task}; ${modality} embeddings need a ${can} model.`, { model: name, task: info.task, modality });
    }
    if (modality === 'TEXT' && !this.models().some((m) => m.task === 'ZERO_SHOT_IMAGE_CLASSIFICATION')) {
      return this.resolveModel('TEXT_EMBEDDING');
    }
    return this.resolveModel('ZERO_SHOT_IMAGE_CLASSIFICATION');
  }

  /** One embedding of exactly one of text or image, L2-normalised unless the model's settings say otherwise. */
  async embed(model: string | undefined, input: EmbeddingInput, options: RunOptions = {}): Promise<EmbeddingResult> {
    this.assertOpen();
    const modality = embeddingModality(input);
    const info = this.embeddingModelFor(modality, model);
    throwIfAborted(options.signal);
    const decoded = input.image ? await decodeImage(input.image, { maxPixels: this.options.limits.maxImagePixels }) : undefined;
    const serving = await this.serving(info.name, info.task, options.signal);
    let result: { vector: Float32Array; stats: RunStats };
    if (serving.task === 'TEXT_EMBEDDING') result = await serving.embedder.embed(input.text!, options);
    else if (serving.task !== 'ZERO_SHOT_IMAGE_CLASSIFICATION') throw badInput(`Model "${info.name}" does not embed.`);
    else result = decoded ? await serving.encoder.embedImage(decoded, options) : await serving.encoder.embedText(input.text!, options);
    return { ...result, model: info.name, dimension: result.vector.length, modality };
  }

  /**
   * Streams a caption of the image as generation events (started, tokens, completed).
   * Parameters, the image and the model are checked before this returns; the work starts
   * when iteration starts, batched with concurrent captions of the same model.
   */
  async captionImage(
    model: string | undefined,
    image: Uint8Array,
    request: CaptionRequest = {},
    options: { signal?: AbortSignal } = {},
  ): Promise<AsyncIterable<GenerationEvent>> {
    this.assertOpen();
    const { name } = this.resolveModel('IMAGE_CAPTIONING', model);
    validateCaptionRequest(request);
    throwIfAborted(options.signal);
    const decoded = await decodeImage(image, { maxPixels: this.options.limits.maxImagePixels });
    const serving = await this.serving(name, 'IMAGE_CAPTIONING', options.signal);
    const pixels = await serving.captioner.preprocess(decoded);
    return serving.captioner.caption(pixels, request, options);
  }

  /** Cancels waiting work, aborts running work, and releases every session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reason = new TesseraError('SHUTTING_DOWN', 'The inference engine is shutting down.');
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        await slot.loading?.catch(() => undefined);
        const serving = slot.serving;
        slot.serving = undefined;
        if (slot.status === 'READY') slot.status = 'UNLOADED';
        slot.executionProvider = null;
        if (serving) await this.release(serving, reason, true);
      }),
    );
    await this.preloading;
  }
}
