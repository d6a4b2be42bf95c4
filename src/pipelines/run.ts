/**
 * Runs a planned pipeline: each step gets a child request row (parentId = the pipeline)
 * written just before it starts, streams its events, and ends that row in a final state
 * before the next step begins. Steps after a failure or a cancellation never start and get
 * no row. The pipeline's own row belongs to the caller.
 */
import type { RequestStore } from '../db/request-store.js';
import type { Engine } from '../inference/engine.js';
import type { Logger } from '../logger.js';
import type { RunRegistry } from '../runs/run-registry.js';
import { abortError, isCancellation, isTesseraError, TesseraError } from '../errors.js';
import { STEP_KINDS } from './steps/index.js';
import type { PipelineData, StepEnv } from './steps/step.js';
import type { PipelineOutput, PipelinePlan, PipelineSources, PipelineStepEvent, PlannedStep, StepSummary } from './types.js';

export interface PipelineRunOptions {
  /** The pipeline's request id; every step row is its child. */
  parentId: string;
  signal: AbortSignal;
  engine: Engine;
  requests: RequestStore;
  logger: Logger;
  maxAudioSeconds: number;
  /** When given, each running step is registered under its own id, so cancelRequest on a step stops it (and the pipeline). */
  runs?: RunRegistry;
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

/** Unexpected errors are logged here and stored as INFERENCE_FAILED, like any request's. */
function asTesseraError(error: unknown, logger: Logger, id: string): TesseraError {
  if (isTesseraError(error)) return error;
  if (isCancellation(error)) return new TesseraError('CANCELLED', error instanceof Error ? error.message : 'Cancelled.');
  logger.error({ err: error, id }, 'pipeline step failed unexpectedly');
  return new TesseraError('INFERENCE_FAILED', 'The step failed unexpectedly; see the server log.');
}

/** A step that stops part-way keeps the text it had streamed (a cancelled answer's first words). */
async function settleStep(requests: RequestStore, id: string, error: TesseraError, partialText: string): Promise<void> {
  const outcome = partialText ? { outputText: partialText } : {};
  if (error.code === 'CANCELLED') await requests.cancel(id, outcome, error.message);
  else await requests.fail(id, { code: error.code, message: error.message }, outcome);
}

export async function* runPipeline(
  plan: PipelinePlan,
  sources: PipelineSources,
  options: PipelineRunOptions,
): AsyncGenerator<PipelineStepEvent, PipelineRunResult> {
  const { requests, signal, logger } = options;
  const summaries: StepSummary[] = [];
  let data = sourceData(plan, sources);
  for (const step of plan.steps) {
    const kind = STEP_KINDS[step.task];
    if (signal.aborted) throw new PipelineStepError(step, null, summaries, abortError(signal));
    const row = await requests.create({ task: kind.engineTask, model: step.model, parentId: options.parentId, ...kind.record(step, data) });
    // The step has its own controller so that cancelling the step alone also works.
    const controller = new AbortController();
    const follow = () => controller.abort(signal.reason);
    signal.addEventListener('abort', follow, { once: true });
    if (signal.aborted) follow();
    let settled = false;
    let partialText = '';
    const env: StepEnv = {
      engine: options.engine,
      signal: controller.signal,
      maxAudioSeconds: options.maxAudioSeconds,
      onStart: (startedAt) => {
        requests.markRunning(row.id, startedAt).catch((error) => logger.warn({ err: error, id: row.id }, 'could not mark a step running'));
      },
    };
    const work = kind.run(step, data, env);
    try {
      // While the server drains, a pipeline already running may finish its steps: they follow its
      // signal, and are only registered for cancelRequest outside a drain (which refuses new runs).
      const registered = options.runs && !options.runs.isClosing ? options.runs.start(row.id, undefined, controller) : undefined;
      try {
        yield { kind: 'step-started', step: step.index, requestId: row.id, task: step.task, model: step.model };
        let next = await work.next();
        while (!next.done) {
          if (next.value.kind === 'token') partialText += next.value.text;
          yield next.value;
          next = await work.next();
        }
        if (controller.signal.aborted) throw abortError(controller.signal);
        await requests.complete(row.id, next.value.outcome);
        settled = true;
        data = next.value.data;
      } finally {
        registered?.end();
      }
    } catch (error) {
      const failure = asTesseraError(controller.signal.aborted ? abortError(controller.signal) : error, logger, row.id);
      await settleStep(requests, row.id, failure, partialText);
      settled = true;
      summaries.push({ ...summaryOf(step, row.id), status: failure.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED', output: null });
      throw new PipelineStepError(step, row.id, summaries, failure);
    } finally {
      signal.removeEventListener('abort', follow);
      if (!settled) {
        // The consumer left mid-step: stop the step and do not leave its row running.
        controller.abort(new TesseraError('CANCELLED', 'The pipeline was abandoned.'));
        await work.return(undefined as never).catch(() => undefined);
        await requests.cancel(row.id, {}, 'The pipeline was abandoned.');
      }
    }
    const output = outputOf(data);
    summaries.push({ ...summaryOf(step, row.id), status: 'COMPLETED', output });
    yield { kind: 'step-completed', step: step.index, requestId: row.id, task: step.task, output };
  }
  return { output: outputOf(data), steps: summaries };
}

function summaryOf(step: PlannedStep, requestId: string) {
  return { index: step.index, task: step.task, model: step.model, requestId };
}
