/**
 * What a finished request produced, as stored in its row's `result` column and returned by
 * the task mutations. The stored JSON carries `kind` so the union can tell them apart.
 */
import type { EmbeddingModality, OcrLine, ScoredLabel, SpeechSegment } from '../inference/types.js';
import type { PipelineOutput, StepSummary } from '../pipelines/types.js';
import type { TranscriptSegment } from '../inference/types.js';

export interface OcrResultShape {
  kind: 'ocr';
  text: string;
  lines: OcrLine[];
  width: number;
  height: number;
}

export interface SpeechDetectionShape {
  kind: 'vad';
  segments: SpeechSegment[];
  durationSeconds: number;
  sampleRate: number;
}

export type FinishReason = 'STOP' | 'LENGTH' | 'CANCELLED' | 'ERROR' | 'TOOL_CALLS';

export interface UsageShape {
  promptTokens: number;
  completionTokens: number;
}

export interface GenerationTimingsShape {
  queueMs: number;
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
}

/** One generated token as the row keeps it for replay. */
export interface StoredToken {
  index: number;
  tokenId: number;
  text: string;
  logprob: number | null;
  topLogprobs: { tokenId: number; text: string; logprob: number }[] | null;
}

export interface GenerationResultShape {
  kind: 'generation';
  text: string;
  finishReason: FinishReason;
  usage: UsageShape;
  timings: GenerationTimingsShape;
  /** Every token as streamed; absent in rows written before tokens were kept, and in pipeline steps. */
  tokens?: StoredToken[];
  /** The parsed value, when a response format constrained the output. */
  json?: unknown;
  /** The tool calls the model made, in order. */
  toolCalls?: StoredToolCall[];
}

export interface StoredToolCall {
  index: number;
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** captionImage and captionImageText: the caption and how its decoding went. */
export interface CaptionResultShape extends Omit<GenerationResultShape, 'kind'> {
  kind: 'caption';
}

export interface PipelineResultShape {
  kind: 'pipeline';
  /** The last step's output; null when the pipeline did not finish. */
  output: PipelineOutput | null;
  steps: StepSummary[];
}

/** classifyImage and classifyImageZeroShot. */
export interface ClassificationShape {
  kind: 'classification';
  labels: ScoredLabel[];
}

export interface EmbeddingShape {
  kind: 'embedding';
  vector: number[];
  dimension: number;
  modality: EmbeddingModality;
}

/** addToCollection and search: which items were added, or which were found with what score. */
export interface CollectionResultShape {
  kind: 'collection';
  collection: string;
  operation: 'ADD' | 'SEARCH';
  itemIds: string[];
  /** Search only: each item's cosine similarity, best first. */
  scores: number[] | null;
}

export interface TranscriptionTimingsShape {
  queueMs: number;
  computeMs: number;
  /** Processing time over audio duration; below 1 is faster than real time. */
  realTimeFactor: number;
  timeToFirstSegmentMs: number | null;
}

export interface TranscriptionResultShape {
  kind: 'transcription';
  text: string;
  segments: TranscriptSegment[];
  durationSeconds: number;
  timings: TranscriptionTimingsShape;
}

export type ResultShape = ClassificationShape | EmbeddingShape | OcrResultShape | SpeechDetectionShape | GenerationResultShape | PipelineResultShape | CollectionResultShape | CaptionResultShape | TranscriptionResultShape;
