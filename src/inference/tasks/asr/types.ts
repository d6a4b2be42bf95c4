/**
 * The contract between the window loop and a recogniser family (CTC, Whisper). The public
 * transcription shapes live in the engine's types, below every task.
 */
import type { TranscriptSegment } from '../../types.js';

export type { SamplesInput, TranscribeOptions, TranscriptionEvent, TranscriptionStats, TranscriptSegment } from '../../types.js';

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
