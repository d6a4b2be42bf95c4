/** The speech-synthesis vocabulary shared by every voice layout and the streaming loop. */

/** One sentence (or a piece of a long one) of synthesized audio. */
export interface SpeechChunk {
  /** 0, 1, 2, … in the order the chunks are spoken. */
  sequence: number;
  /** The text this chunk speaks. */
  text: string;
  /** Mono PCM in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
}

export interface SynthesisOptions {
  /** One of the model's voices; its default voice when absent. */
  voice?: string;
  /** 1 is the model's own pace; 2 is twice as fast. */
  speed?: number;
  signal?: AbortSignal;
}

export interface SentenceOptions {
  voice: string;
  speed: number;
  signal?: AbortSignal;
}

export type VoiceLayout = 'piper' | 'kokoro' | 'tessera';

/** A loaded text-to-speech model, whatever its layout: one sentence in, samples out. */
export interface SpeechModel {
  readonly layout: VoiceLayout;
  readonly sampleRate: number;
  readonly voices: readonly string[];
  readonly defaultVoice: string;
  synthesizeSentence(sentence: string, options: SentenceOptions): Promise<Float32Array>;
}
