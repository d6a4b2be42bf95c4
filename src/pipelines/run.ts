/**
 * Runs a planned pipeline: each step gets a child request row (parentId = the pipeline)
 * written just before it starts, streams its events, and ends that row in a final state
 * before the next step begins. Steps after a failure or a cancellation never start and get
 * no row. The pipeline's own row belongs to the caller.
 */
import type { Engine } from '../inference/engine.js';
import type { RunService } from '../runs/run-service.js';
import { AsyncQueue } from '../runs/async-queue.js';
import { abortError, TesseraError } from '../errors.js';
import { STEP_KINDS } from './steps/index.js';
import type { PipelineData, StepEnv } from './steps/step.js';
import type { PipelineOutput, PipelinePlan, PipelineSources, PipelineStepEvent, PlannedStep, StepSummary } from './types.js';

export interface PipelineRunOptions {
  /** The pipeline's request id; every step row is its child. */
  parentId: string;
  signal: AbortSignal;
  engine: Engine;
  /** Each step runs through it, registered under its own id, so cancelRequest on a step stops it (and the pipeline). */
  runs: RunService;
  maxAudioSeconds: number;
}

export interface PipelineRunResult {
  output: PipelineOutput;
  steps: StepSummary[];
}

/** A step failed or was cancelled: which one, and how the steps before it ended. */
export class PipelineStepError extends TesseraError {
  constructor(
    readonly step: PlannedStep,
    readonly stepRequestId: string | null,
    readonly steps: StepSummary[],
    cause: TesseraError,
  ) {
    super(cause.code, `Step ${step.index} (${step.task}) ${cause.code === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${cause.message}`, {
      ...cause.details,
      step: step.index,
      task: step.task,
      stepRequestId,
    }, { cause });
  }
}

export function outputOf(data: PipelineData): PipelineOutput {
  switch (data.kind) {
    case 'TEXT':
      return { kind: 'TEXT', text: data.text, segments: data.segments };
    case 'AUDIO_SEGMENTS':
      return { kind: 'AUDIO_SEGMENTS', text: null, segments: data.segments.map((s) => ({ start: s.start, end: s.end, text: null })) };
    default:
      return { kind: data.kind, text: null, segments: null };
  }
}

function sourceData(plan: PipelinePlan, sources: PipelineSources): PipelineData {
  const missing = () => new Error(`the pipeline's ${plan.source} input is missing`);
  switch (plan.source) {
    case 'AUDIO':
      if (!sources.audio) throw missing();
      return { kind: 'AUDIO', media: sources.audio };
    case 'IMAGE':
      if (!sources.image) throw missing();
      return { kind: 'IMAGE', media: sources.image };
    case 'TEXT':
      if (sources.text === undefined) throw missing();
      return { kind: 'TEXT', text: sources.text, segments: null };
  }
}

export async function* runPipeline(
  plan: PipelinePlan,
  sources: PipelineSources,
  options: PipelineRunOptions,
): AsyncGenerator<PipelineStepEvent, PipelineRunResult> {
  const { runs, signal } = options;
  const summaries: StepSummary[] = [];
  let data = sourceData(plan, sources);
  for (const step of plan.steps) {
    const kind = STEP_KINDS[step.task];
    if (signal.aborted) throw new PipelineStepError(step, null, summaries, abortError(signal));
    // Each step is a request of its own, through the same lifecycle as a lone one.
    const pending = runs.prepare();
    const open = await runs.open({ task: kind.engineTask, model: step.model, parentId: options.parentId, ...kind.record(step, data) }, pending, { parent: signal });
    const env: StepEnv = { engine: options.engine, signal: pending.signal, maxAudioSeconds: options.maxAudioSeconds, onStart: pending.onStart };
    const events = new AsyncQueue<PipelineStepEvent>();
    let partialText = '';
    const settled = runs
      .complete(open, async () => {
        const work = kind.run(step, data, env);
        let next = await work.next();
        while (!next.done) {
          if (next.value.kind === 'token') pending.keep({ outputText: (partialText += next.value.text) });
          events.push(next.value);
          next = await work.next();
        }
        return { value: next.value.data, outcome: next.value.outcome };
      })
      .finally(() => events.end());
    let result: Awaited<typeof settled> | undefined;
    try {
      yield { kind: 'step-started', step: step.index, requestId: open.row.id, task: step.task, model: step.model };
      for await (const event of events) yield event;
      result = await settled;
    } catch (error) {
      const failure = error as TesseraError;
      summaries.push({ ...summaryOf(step, open.row.id), status: failure.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED', output: null });
      throw new PipelineStepError(step, open.row.id, summaries, failure);
    } finally {
      if (!result) {
        // The consumer left mid-step: stop the step; its row ends CANCELLED.
        pending.controller.abort(new TesseraError('CANCELLED', 'The pipeline was abandoned.'));
        await settled.catch(() => undefined);
      }
    }
    data = result.value;
    const output = outputOf(data);
    summaries.push({ ...summaryOf(step, open.row.id), status: 'COMPLETED', output });
    yield { kind: 'step-completed', step: step.index, requestId: open.row.id, task: step.task, output };
  }
  return { output: outputOf(data), steps: summaries };
}

function summaryOf(step: PlannedStep, requestId: string) {
  return { index: step.index, task: step.task, model: step.model, requestId };
}
