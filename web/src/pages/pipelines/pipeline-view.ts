/** What a pipeline's stream adds up to on the page: the plan, then each step as it runs. */
import { ApiError } from '../../api';
import type { PipelineDataKind, PipelineTask, RunPipelineStreamSubscription } from '../../gql/graphql';
import type { FoldControl, StreamStatus } from '../../lib/use-stream';

export type StepPhase = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StepView {
  index: number;
  task: PipelineTask;
  model: string;
  output: PipelineDataKind;
  phase: StepPhase;
  requestId?: string;
  text: string;
  segments: { start: number; end: number; text?: string | null }[];
  startedAt?: number;
  elapsedMs?: number;
  error?: { code: string; message: string };
}

export interface PipelineView {
  phase: 'starting' | 'running' | 'completed' | 'failed';
  requestId?: string;
  steps: StepView[];
  output?: string | null;
  /** Where the last step's AUDIO (a SPEAK step's WAV) is served. */
  outputAudioUrl?: string | null;
}

type Event = RunPipelineStreamSubscription['runPipeline'];

/** Steps are mutated in place as events come; each publication copies them. */
export const copyPipeline = (view: PipelineView): PipelineView => ({ ...view, steps: view.steps.map((s) => ({ ...s })) });

export function foldPipeline(view: PipelineView, event: Event, control: FoldControl): void {
  const at = event.__typename === 'PipelineFailed' ? event.failedStep : 'step' in event ? event.step : null;
  const step = at != null ? view.steps[at] : undefined;
  switch (event.__typename) {
    case 'PipelineStarted':
      view.phase = 'running';
      view.requestId = event.requestId;
      view.steps = event.steps.map((s) => ({ index: s.index, task: s.task, model: s.model, output: s.output, phase: 'pending', text: '', segments: [] }));
      break;
    case 'PipelineStepStarted':
      if (step) Object.assign(step, { phase: 'running', requestId: event.requestId, model: event.model, startedAt: performance.now() });
      break;
    case 'PipelineToken':
      if (step) step.text += event.text;
      break;
    case 'PipelineStepSegment':
      step?.segments.push({ start: event.start, end: event.end, text: event.text });
      break;
    case 'PipelineStepCompleted':
      if (step) {
        step.phase = 'completed';
        step.elapsedMs = step.startedAt != null ? performance.now() - step.startedAt : undefined;
        if (event.output.text != null) step.text = event.output.text;
        if (event.output.segments) step.segments = [...event.output.segments];
      }
      break;
    case 'PipelineCompleted':
      view.phase = 'completed';
      view.output = event.output.text;
      view.outputAudioUrl = event.output.audio?.url ?? null;
      break;
    case 'PipelineFailed':
      view.phase = 'failed';
      if (step) Object.assign(step, { phase: event.status === 'CANCELLED' ? 'cancelled' : 'failed', error: event.error });
      control.fail(new ApiError(event.error.code, event.error.message));
      break;
  }
}

/** A transport failure or Stop fails the whole run, whatever its last event said. */
export const phaseOf = (view: PipelineView, status: StreamStatus): PipelineView['phase'] =>
  status === 'failed' || status === 'stopped' ? 'failed' : view.phase;
