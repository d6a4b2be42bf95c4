/**
 * Every task the engine serves, once. Adding a task is a folder under `tasks/` with a
 * `TaskKind` in it, its name in `Task` (types.ts), and one line here; the table's type
 * makes a task without a kind a compile error.
 */
import type { Task } from '../types.js';
import { speechRecognitionTask } from './asr/task.js';
import { captioningTask } from './captioning/task.js';
import { textGenerationTask } from './generation/task.js';
import { ocrTask } from './ocr/task.js';
import type { TaskKind } from './task-kind.js';
import { tensorTask } from './tensor/task.js';
import { textToSpeechTask } from './tts/task.js';
import { vadTask } from './vad/task.js';
import { visionLanguageTask } from './vision-language/task.js';
import { imageClassificationTask } from './vision/image-classification-task.js';
import { textEmbeddingTask } from './vision/text-embedding-task.js';
import { zeroShotTask } from './vision/zero-shot-task.js';

export const TASK_KINDS = {
  OCR: ocrTask,
  VAD: vadTask,
  TENSOR: tensorTask,
  TEXT_GENERATION: textGenerationTask,
  SPEECH_RECOGNITION: speechRecognitionTask,
  IMAGE_CLASSIFICATION: imageClassificationTask,
  ZERO_SHOT_IMAGE_CLASSIFICATION: zeroShotTask,
  TEXT_EMBEDDING: textEmbeddingTask,
  IMAGE_CAPTIONING: captioningTask,
  TEXT_TO_SPEECH: textToSpeechTask,
  IMAGE_TEXT_TO_TEXT: visionLanguageTask,
} as const satisfies { [T in Task]: TaskKind & { task: T } };

export type ServingOf<T extends Task> = Awaited<ReturnType<(typeof TASK_KINDS)[T]['bindLocal']>>;
