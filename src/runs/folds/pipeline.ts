/**
 * A pipeline as a stream fold: src/pipelines' step events go into the run's log as they
 * come, the last step's output into the row; a failure names the step it stopped at.
 */
import type { RequestRow } from '../../db/request-store.js';
import type { PipelineResultShape } from '../../contracts/results.js';
import { PipelineStepError, type PipelineRunResult } from '../../pipelines/run.js';
import type { PipelineEvent, PipelinePlan, PipelineStepEvent, PlannedStep } from '../../pipelines/types.js';
import type { StreamFold } from '../stream-fold.js';

/** A step event, or the pipeline's result once the last step is done. */
export type PipelineProgress = PipelineStepEvent | { kind: 'done'; result: PipelineRunResult };

export function pipelineFold(plan: PipelinePlan): StreamFold<PipelineProgress, PipelineEvent> {
  return {
    opening: (row) => ({ kind: 'started', requestId: row.id, steps: plan.steps }),
    step(event, _run, row) {
      if (event.kind !== 'done') return { publish: event };
      const { output, steps } = event.result;
      const result: PipelineResultShape = { kind: 'pipeline', output, steps };
      return { publish: { kind: 'completed', requestId: row.id, output }, ending: { status: 'COMPLETED', outcome: { outputText: output.text, result } } };
    },
    broken(failure, row) {
      const stepError = failure instanceof PipelineStepError ? failure : null;
      const result: PipelineResultShape = { kind: 'pipeline', output: null, steps: stepError?.steps ?? [] };
      return {
        publish: {
          kind: 'failed',
          requestId: row.id,
          status: failure.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED',
          step: stepError?.step.index ?? null,
          task: stepError?.step.task ?? null,
          error: { code: failure.code, message: failure.message },
        },
        outcome: { result },
      };
    },
  };
}

/** A step's partial tokens and segments: the row keeps each step's output only. */
export const isPipelinePreview = (event: PipelineEvent) => event.kind === 'token' || event.kind === 'segment';

/** A finished pipeline told again from its row and its steps' summaries. */
export async function* replayPipeline(row: RequestRow): AsyncGenerator<PipelineEvent> {
  const planned = ((row.parameters as { steps?: PlannedStep[] } | null)?.steps ?? []) as PlannedStep[];
  const result = row.result as PipelineResultShape | null;
  yield { kind: 'started', requestId: row.id, steps: planned };
  for (const step of result?.steps ?? []) {
    if (!step.requestId) continue;
    yield { kind: 'step-started', step: step.index, requestId: step.requestId, task: step.task, model: step.model };
    if (step.output) yield { kind: 'step-completed', step: step.index, requestId: step.requestId, task: step.task, output: step.output };
  }
  if (row.status === 'COMPLETED' && result?.output) {
    yield { kind: 'completed', requestId: row.id, output: result.output };
    return;
  }
  const failedStep = result?.steps.find((s) => s.status !== 'COMPLETED');
  yield {
    kind: 'failed',
    requestId: row.id,
    status: row.status === 'CANCELLED' ? 'CANCELLED' : 'FAILED',
    step: failedStep?.index ?? null,
    task: failedStep?.task ?? null,
    error: { code: row.errorCode ?? 'INFERENCE_FAILED', message: row.errorMessage ?? '' },
  };
}
