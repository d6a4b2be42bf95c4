/**
 * Speech recognition's public vocabulary (re-exported from the engine's types) and the
 * contract between the window loop and a recogniser family (CTC, Whisper).
 */
import type { RunStats } from '../../types.js';

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
  signal?: AbortSignal;
  /** Called once, when the work starts: the VAD pass for long audio, else the first window leaving the queue. */
  onStart?: () => void;
}

/** One stretch of audio (≤ the recogniser's window) to decode in one go. */
export interface WindowJob {
  samples: Float32Array;
  language?: string;
  /** Text as the decoder produces it, for recognisers that decode token by token. */
  onToken?: (text: string) => void;
}

/** Segments with times relative to the window's first sample. */
export interface WindowResult {
  segments: TranscriptSegment[];
}

export interface Recognizer {
  readonly sampleRate: number;
  /** The longest stretch one decode accepts, in seconds. */
  readonly windowSeconds: number;
  /** Throws BAD_USER_INPUT for a language the model cannot transcribe. */
  checkLanguage(language: string | undefined): void;
  transcribeWindow(job: WindowJob, signal: AbortSignal): Promise<WindowResult>;
}
