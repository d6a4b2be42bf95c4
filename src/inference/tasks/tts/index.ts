/** Text to speech: open a model folder, then stream (synthesize) or collect (synthesizeToEnd) its audio. */
export { openSpeechModel, type SpeechModelFolder } from './open.js';
export { DEFAULT_TEXT_LIMITS, type TextLimits } from './sentences.js';
export {
  SPEED_RANGE,
  prepareSynthesis,
  synthesize,
  synthesizeToEnd,
  type SentenceRunner,
  type SynthesisPlan,
  type SynthesisResult,
} from './synthesize.js';
export type { SentenceOptions } from './types.js';
export type { SpeechChunk, SpeechModel, SynthesisOptions, VoiceLayout } from './types.js';
