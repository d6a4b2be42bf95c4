/** Every step kind a pipeline can chain, by task. */
import type { PipelineTask } from '../types.js';
import { captionStep } from './caption.js';
import { detectSpeechStep } from './detect-speech.js';
import { generateStep } from './generate.js';
import { recognizeTextStep } from './recognize-text.js';
import { speakStep } from './speak.js';
import type { StepKind } from './step.js';
import { transcribeStep } from './transcribe.js';

export const STEP_KINDS: Record<PipelineTask, StepKind> = {
  DETECT_SPEECH: detectSpeechStep,
  RECOGNIZE_TEXT: recognizeTextStep,
  GENERATE: generateStep,
  TRANSCRIBE: transcribeStep,
  CAPTION: captionStep,
  SPEAK: speakStep,
};
