/**
 * The engine's public vocabulary. Resolvers and the schema speak these types; the
 * engine's folders implement them. Nothing here knows GraphQL, and nothing here imports
 * from the engine's folders: they import from here, so no import runs in a loop.
 */
import type { Tensor } from 'onnxruntime-node';
import type { PrefixCacheStats } from './generation/prefix-cache.js';

export type Modality = 'TEXT' | 'IMAGE' | 'AUDIO' | 'EMBEDDING' | 'LABELS' | 'BOXES' | 'SEGMENTS' | 'TOKENS';

export type Task = 'OCR' | 'VAD' | 'TEXT_GENERATION' | 'TENSOR' | 'IMAGE_CLASSIFICATION' | 'ZERO_SHOT_IMAGE_CLASSIFICATION' | 'TEXT_EMBEDDING' | 'SPEECH_RECOGNITION' | 'IMAGE_CAPTIONING' | 'TEXT_TO_SPEECH' | 'IMAGE_TEXT_TO_TEXT';

/** What a request row records: a model's task, or a pipeline chaining several. */
export type RequestTask = Task | 'PIPELINE';

export type ModelStatus = 'UNLOADED' | 'LOADING' | 'READY' | 'FAILED';

/** `remote`: the model runs on the engine its manifest's `backend` names. */
export type ExecutionProviderName = 'cpu' | 'cuda' | 'webgpu' | 'remote';

export interface ModelInfo {
  name: string;
  task: Task;
  description: string | null;
  inputModalities: Modality[];
  outputModalities: Modality[];
  status: ModelStatus;
  /** The provider the loaded sessions actually run on; null until loaded. */
  executionProvider: ExecutionProviderName | null;
  /** npm `package@version`, a hub id, or `trained here (<recipe path>)`. */
  source: string;
  license: string;
  preload: boolean;
  /** Why the model failed to load, when status is FAILED. */
  loadError: string | null;
  /** The hub id (`org/name`) a pulled model came from; clients may use it as the model's name. */
  hubId: string | null;
  /** Why a generation model runs one request at a time (its graph cannot be batched); null otherwise. */
  batchingUnavailable: string | null;
  /** The remote engine serving the model, as its manifest names it; null for local files. */
  backend: BackendInfo | null;
  /** A loaded text-generation model's prefix cache (bytes held, limit, hits); null otherwise. */
  prefixCache: PrefixCacheStats | null;
}

export type BackendKind = 'openai' | 'kserve-v2';

export interface BackendInfo {
  kind: BackendKind;
  /** Without credentials or query. */
  url: string;
  /** The model name the remote engine knows. */
  model: string;
}

export interface BackendHealth {
  ready: boolean;
  /** Why it is not ready; null when it is. */
  problem: string | null;
  checkedAt: Date;
}

/** What every scheduled run reports, for the request history. */
export interface RunStats {
  queueMs: number;
  computeMs: number;
  batchSize: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Called once when the work leaves the queue and starts computing. */
  onStart?: () => void;
}

export interface SpeechOptions extends RunOptions {
  /** One of the model's voices; its default voice when absent. */
  voice?: string;
  /** 1 is the model's own pace; 2 is twice as fast. */
  speed?: number;
}

/** One sentence (or piece of a long one) of synthesized speech, as soon as it is made. */
export interface SpeechAudioChunk {
  /** 0, 1, 2, … in the order the chunks are spoken. */
  sequence: number;
  /** The text this chunk speaks. */
  text: string;
  /** Mono PCM in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
  stats: RunStats;
}

/** One loaded .onnx file as the tasks see it: names from the graph, run with cancellation. */
export interface OnnxRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Tensor>, signal?: AbortSignal): Promise<Record<string, Tensor>>;
}

export interface Point {
  x: number;
  y: number;
}

export interface OcrLine {
  text: string;
  confidence: number;
  /** Polygon in source-image pixels, clockwise from top-left. */
  box: Point[];
}

export interface OcrResult {
  text: string;
  lines: OcrLine[];
  width: number;
  height: number;
  stats: RunStats;
}

export interface SpeechSegment {
  start: number;
  end: number;
}

export interface VadResult {
  segments: SpeechSegment[];
  durationSeconds: number;
  sampleRate: number;
  stats: RunStats;
}

export interface TranscriptSegment {
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
  text: string;
}

export type TranscriptionStats = RunStats & {
  /** Wall time from the start of the work (VAD included) to the end, divided by the audio's duration. */
  realTimeFactor: number;
};

export type TranscriptionEvent =
  | { type: 'segment'; segment: TranscriptSegment }
  | { type: 'token'; text: string }
  | { type: 'completed'; text: string; segments: TranscriptSegment[]; durationSeconds: number; stats: TranscriptionStats };

/** Audio already decoded to mono floats (e.g. by a pipeline's earlier step). */
export interface SamplesInput {
  samples: Float32Array;
  sampleRate: number;
}

export interface TranscribeOptions {
  /** An ISO 639-1 code such as "en"; the model's languages decide what is accepted. */
  language?: string;
  /**
   * Speech regions (seconds) found earlier, e.g. by a pipeline's DETECT_SPEECH step: each is
   * transcribed on its own and the transcript joins them line by line. Without them, long
   * audio is cut at the boundaries a VAD model finds.
   */
  regions?: readonly SpeechSegment[];
  signal?: AbortSignal;
  /** Called once, when the work starts: the VAD pass for long audio, else the first window leaving the queue. */
  onStart?: () => void;
}

export interface ScoredLabel {
  label: string;
  score: number;
}

export interface ClassificationResult {
  /** Highest score first. */
  labels: ScoredLabel[];
  model: string;
  stats: RunStats;
}

export type EmbeddingModality = 'TEXT' | 'IMAGE';

export interface EmbeddingInput {
  text?: string;
  image?: Uint8Array;
}

export interface EmbeddingResult {
  vector: Float32Array;
  model: string;
  dimension: number;
  modality: EmbeddingModality;
  stats: RunStats;
}
