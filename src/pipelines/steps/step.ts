/**
 * What every step kind provides: the data kinds it connects, what its child request row
 * records, and how it runs on the engine, streaming its events and returning its output.
 */
import type { RequestOutcome } from '../../db/request-store.js';
import type { Engine } from '../../inference/engine.js';
import type { Modality, SpeechSegment, Task } from '../../inference/types.js';
import type { MediaSource, PipelineDataKind, PipelineStepEvent, PipelineStepSpec, PlannedStep, TimedText } from '../types.js';

/** The value handed from one step to the next. */
export type PipelineData =
  | { kind: 'AUDIO'; media: MediaSource }
  | { kind: 'IMAGE'; media: MediaSource }
  | { kind: 'TEXT'; text: string; segments: TimedText[] | null }
  | { kind: 'AUDIO_SEGMENTS'; media: MediaSource; segments: SpeechSegment[] };

/** How a step's child request is created, before the step starts. */
export interface StepRecord {
  parameters: Record<string, unknown>;
  inputModalities: Modality[];
  inputText?: string | null;
  inputArtifactIds?: string[];
}

export interface StepEnv {
  engine: Engine;
  signal: AbortSignal;
  /** The step's work left the queue (marks the child row RUNNING). */
  onStart(startedAt?: Date): void;
  maxAudioSeconds: number;
  /** Stores media a step made (SPEAK's WAV) for the pipeline's caller; returns its artifact id. */
  storeMedia(bytes: Uint8Array): Promise<string>;
}

export interface StepResult {
  data: PipelineData;
  /** The child row's final columns: timings, output text, stored result. */
  outcome: RequestOutcome;
}

export interface StepKind {
  /** The engine task whose models serve this step; also the child row's task. */
  engineTask: Task;
  accepts: readonly PipelineDataKind[];
  produces: PipelineDataKind;
  /** Parameters a client may set on this step besides model. */
  options: readonly ('template' | 'generation' | 'threshold' | 'language')[];
  /** Checks the step's own options before anything runs (BAD_USER_INPUT). */
  validate?(spec: PipelineStepSpec): void;
  record(step: PlannedStep, input: PipelineData): StepRecord;
  run(step: PlannedStep, input: PipelineData, env: StepEnv): AsyncGenerator<PipelineStepEvent, StepResult>;
}

export function expectKind<K extends PipelineData['kind']>(data: PipelineData, kind: K): Extract<PipelineData, { kind: K }> {
  // plan.ts connects the steps by kind, so a mismatch here is a bug in the plan, not bad input.
  if (data.kind !== kind) throw new Error(`pipeline step expected ${kind} and got ${data.kind}`);
  return data as Extract<PipelineData, { kind: K }>;
}

export function mediaRecord(media: MediaSource): Pick<StepRecord, 'inputArtifactIds'> {
  return { inputArtifactIds: media.artifactId ? [media.artifactId] : [] };
}
