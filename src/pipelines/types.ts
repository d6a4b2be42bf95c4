/**
 * The pipeline vocabulary: a chain of task steps where each step's output is the next
 * step's input, typed by the kind of data that flows between them. Nothing here knows GraphQL.
 */
import type { GenerationRequest } from '../inference/generation/types.js';

export type PipelineTask = 'TRANSCRIBE' | 'DETECT_SPEECH' | 'RECOGNIZE_TEXT' | 'GENERATE' | 'CAPTION' | 'SPEAK';

/** What flows between steps. AUDIO_SEGMENTS is audio plus the stretches of it that hold speech. */
export type PipelineDataKind = 'AUDIO' | 'AUDIO_SEGMENTS' | 'IMAGE' | 'TEXT';

/** The inputs a pipeline can be given; each feeds a first step that reads its kind. */
export type PipelineSourceKind = 'AUDIO' | 'IMAGE' | 'TEXT';

export type PipelineGenerationParameters = Pick<
  GenerationRequest,
  | 'maxTokens'
  | 'temperature'
  | 'topK'
  | 'topP'
  | 'minP'
  | 'repetitionPenalty'
  | 'presencePenalty'
  | 'frequencyPenalty'
  | 'seed'
  | 'stop'
> & {
  /** Send the rendered template as one user message through the model's chat template. */
  chat?: boolean;
};

/** One step as a client describes it. */
export interface PipelineStepSpec {
  task: PipelineTask;
  model?: string;
  /** GENERATE only: the prompt, with `{{input}}` where the previous step's text goes. */
  template?: string;
  /** GENERATE and CAPTION (CAPTION takes the sampling subset: no penalties, no chat). */
  generation?: PipelineGenerationParameters;
  /** DETECT_SPEECH only: speech probability threshold in (0, 1). */
  threshold?: number;
  /** TRANSCRIBE only: the spoken language, when the model can be told. */
  language?: string;
}

/** A step after validation: its model resolved and its data kinds known. */
export interface PlannedStep {
  index: number;
  task: PipelineTask;
  model: string;
  input: PipelineDataKind;
  output: PipelineDataKind;
  template?: string;
  generation?: PipelineGenerationParameters;
  threshold?: number;
  language?: string;
}

export interface PipelinePlan {
  steps: PlannedStep[];
  /** The given input the first step reads. */
  source: PipelineSourceKind;
}

export interface MediaSource {
  bytes: Uint8Array;
  /** Stored artifact id, recorded as the input of the steps that read these bytes. */
  artifactId?: string;
}

export interface PipelineSources {
  audio?: MediaSource;
  image?: MediaSource;
  text?: string;
}

export interface TimedText {
  start: number;
  end: number;
  /** Null for speech regions that have not been transcribed. */
  text: string | null;
}

/** A step's output as clients see it. */
export interface PipelineOutput {
  kind: PipelineDataKind;
  text: string | null;
  segments: TimedText[] | null;
  /** AUDIO made by a step (SPEAK): the stored recording's artifact id. */
  artifactId?: string | null;
}

export interface StepSummary {
  index: number;
  task: PipelineTask;
  model: string;
  requestId: string | null;
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  output: PipelineOutput | null;
}

export type PipelineStepEvent =
  | { kind: 'step-started'; step: number; requestId: string; task: PipelineTask; model: string }
  | { kind: 'token'; step: number; text: string }
  | { kind: 'segment'; step: number; start: number; end: number; text: string }
  | { kind: 'step-completed'; step: number; requestId: string; task: PipelineTask; output: PipelineOutput };

export type PipelineEvent =
  | { kind: 'started'; requestId: string; steps: PlannedStep[] }
  | PipelineStepEvent
  | { kind: 'completed'; requestId: string; output: PipelineOutput }
  | {
      kind: 'failed';
      requestId: string;
      status: 'FAILED' | 'CANCELLED';
      step: number | null;
      task: PipelineTask | null;
      error: { code: string; message: string };
    };
