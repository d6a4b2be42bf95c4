/**
 * The events a streamed request publishes to its subscribers, as GraphQL serves them. The
 * run service keeps them in a run's replayable log; the schema gives them their types.
 */
import type { RequestRow } from '../db/request-store.js';
import type { TranscriptSegment } from '../inference/types.js';
import type { TesseraError } from '../errors.js';
import type { FinishReason, GenerationTimingsShape, TranscriptionResultShape, UsageShape } from './results.js';

export interface StartedEvent {
  kind: 'started';
  requestId: string;
  model: string;
  promptTokens: number;
}

export interface TokenEvent {
  kind: 'token';
  /** May be empty while a multi-byte character or a possible stop string is pending. */
  text: string;
  index: number;
  tokenId: number;
  logprob: number | null;
  topLogprobs: { tokenId: number; text: string; logprob: number }[] | null;
}

export interface CompletedEvent {
  kind: 'completed';
  requestId: string;
  finishReason: FinishReason;
  text: string;
  usage: UsageShape;
  timings: GenerationTimingsShape;
  error?: { code: string; message: string } | null;
  /** The parsed value of a generation constrained by a response format. */
  json?: unknown;
}

/** A tool call the model made, its arguments already validated against the tool's schema when constrained. */
export interface ToolCallEvent {
  kind: 'tool_call';
  index: number;
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type GenerationEventShape = StartedEvent | TokenEvent | ToolCallEvent | CompletedEvent;

export interface GenerateTextPayloadShape {
  text: string;
  finishReason: FinishReason;
  usage: UsageShape;
  timings: GenerationTimingsShape;
  tokens: TokenEvent[];
  json?: unknown;
  toolCalls: ToolCallEvent[];
  request: RequestRow;
}

export interface TranscriptionStartedShape {
  kind: 'started';
  requestId: string;
  model: string;
}

export interface TranscriptionSegmentShape extends TranscriptSegment {
  kind: 'segment';
}

export interface TranscriptionTokenShape {
  kind: 'token';
  text: string;
}

export interface TranscriptionCompletedShape extends Omit<TranscriptionResultShape, 'kind'> {
  kind: 'completed';
  requestId: string;
}

/** Not a GraphQL type: tells subscribers the run ended without a transcript. */
export interface TranscriptionFailedShape {
  kind: 'failed';
  error: TesseraError;
}

export type TranscriptionEventShape = TranscriptionStartedShape | TranscriptionSegmentShape | TranscriptionTokenShape | TranscriptionCompletedShape;
export type TranscriptionLogEvent = TranscriptionEventShape | TranscriptionFailedShape;

export interface TranscribeAudioPayloadShape extends Omit<TranscriptionResultShape, 'kind'> {
  request: RequestRow;
}
