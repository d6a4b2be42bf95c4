/**
 * Pipelines from GraphQL: validate the whole chain (no row, no stored media before that),
 * persist the pipeline request, and pump src/pipelines' step events into the run's replayable
 * log. Like generation, the pump belongs to the request, so a subscriber leaving cancels the
 * work without racing its persistence.
 */
import type { Context } from '../contracts/context.js';
import type { PipelineResultShape } from '../contracts/results.js';
import type { RequestRow } from '../db/request-store.js';
import type { ActiveRun } from '../runs/run-registry.js';
import { badInput, cancelled, isTesseraError, TesseraError } from '../errors.js';
import { planPipeline } from '../pipelines/plan.js';
import { PipelineStepError, runPipeline } from '../pipelines/run.js';
import type {
  PipelineEvent,
  PipelineGenerationParameters,
  PipelineOutput,
  PipelinePlan,
  PipelineSourceKind,
  PipelineSources,
  PipelineStepSpec,
  PipelineTask,
  PlannedStep,
} from '../pipelines/types.js';
import { settleFailure } from './record-run.js';
import { resolveMedia, type MediaInputValue } from './media.js';

type Nullable<T> = { [K in keyof T]?: T[K] | null };

export interface PipelineStepValue {
  task: PipelineTask;
  model?: string | null;
  template?: string | null;
  generation?: Nullable<PipelineGenerationParameters> | null;
  threshold?: number | null;
  language?: string | null;
}

export interface RunPipelineInputValue {
  steps: PipelineStepValue[];
  inputs: { audio?: MediaInputValue | null; image?: MediaInputValue | null; text?: string | null };
}

type Terminal = Extract<PipelineEvent, { kind: 'completed' | 'failed' }>;

export interface RunPipelinePayloadShape {
  output: PipelineOutput;
  request: RequestRow;
}

function withoutNulls<T extends object>(value: Nullable<T>): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

function toSpecs(steps: PipelineStepValue[]): PipelineStepSpec[] {
  return steps.map(({ generation, ...rest }) => {
    const spec = withoutNulls<PipelineStepSpec>(rest);
    return generation ? { ...spec, generation: withoutNulls<PipelineGenerationParameters>(generation) } : spec;
  });
}

function givenSources(inputs: RunPipelineInputValue['inputs']): Set<PipelineSourceKind> {
  const given = new Set<PipelineSourceKind>();
  if (inputs.audio) given.add('AUDIO');
  if (inputs.image) given.add('IMAGE');
  if (inputs.text != null) given.add('TEXT');
  return given;
}

async function loadSources(ctx: Context, inputs: RunPipelineInputValue['inputs']): Promise<PipelineSources> {
  const sources: PipelineSources = {};
  if (inputs.audio) {
    const media = await resolveMedia(ctx, inputs.audio, 'audio');
    sources.audio = { bytes: media.bytes, artifactId: media.artifact.id };
  }
  if (inputs.image) {
    const media = await resolveMedia(ctx, inputs.image, 'image');
    sources.image = { bytes: media.bytes, artifactId: media.artifact.id };
  }
  if (inputs.text != null) sources.text = inputs.text;
  return sources;
}

/** Runs the steps to the end, publishing into the run and writing the pipeline's final state. Never rejects. */
async function pump(ctx: Context, row: RequestRow, run: ActiveRun<PipelineEvent>, plan: PipelinePlan, sources: PipelineSources): Promise<Terminal> {
  const finish = (event: Terminal) => {
    run.publish(event);
    return event;
  };
  try {
    run.publish({ kind: 'started', requestId: row.id, steps: plan.steps });
    await ctx.requests.markRunning(row.id);
    const events = runPipeline(plan, sources, {
      parentId: row.id,
      signal: run.signal,
      engine: ctx.engine,
      requests: ctx.requests,
      logger: ctx.logger,
      maxAudioSeconds: ctx.config.MAX_AUDIO_SECONDS,
      runs: ctx.runs,
    });
    let next = await events.next();
    while (!next.done) {
      run.publish(next.value);
      next = await events.next();
    }
    const { output, steps } = next.value;
    const result: PipelineResultShape = { kind: 'pipeline', output, steps };
    await ctx.requests.complete(row.id, { outputText: output.text, result });
    return finish({ kind: 'completed', requestId: row.id, output });
  } catch (error) {
    const stepError = error instanceof PipelineStepError ? error : null;
    const result: PipelineResultShape = { kind: 'pipeline', output: null, steps: stepError?.steps ?? [] };
    const stored = await settleFailure(ctx, row.id, error, { result }).catch((e) => {
      ctx.logger.error({ err: e, id: row.id }, 'could not record the pipeline failure');
      return null;
    });
    const code = isTesseraError(error) ? error.code : (stored?.errorCode ?? 'INFERENCE_FAILED');
    return finish({
      kind: 'failed',
      requestId: row.id,
      status: code === 'CANCELLED' ? 'CANCELLED' : 'FAILED',
      step: stepError?.step.index ?? null,
      task: stepError?.step.task ?? null,
      error: { code, message: isTesseraError(error) ? error.message : (stored?.errorMessage ?? 'The pipeline failed.') },
    });
  } finally {
    run.end();
  }
}

async function begin(ctx: Context, input: RunPipelineInputValue) {
  const plan = planPipeline(ctx.engine, toSpecs(input.steps), givenSources(input.inputs));
  const sources = await loadSources(ctx, input.inputs);
  const media = sources.audio ?? sources.image;
  const row = await ctx.requests.create({
    task: 'PIPELINE',
    model: plan.steps.map((s) => s.model).join('+'),
    parameters: { steps: plan.steps },
    inputModalities: [plan.source],
    inputText: sources.text ?? null,
    inputArtifactIds: media?.artifactId ? [media.artifactId] : [],
  });
  let run: ActiveRun<PipelineEvent>;
  try {
    run = ctx.runs.start<PipelineEvent>(row.id, ctx.signal);
  } catch (error) {
    await settleFailure(ctx, row.id, error);
    throw error;
  }
  return { row, run, done: pump(ctx, row, run, plan, sources) };
}

export async function* runPipelineEvents(ctx: Context, input: RunPipelineInputValue): AsyncGenerator<PipelineEvent> {
  const { run, done } = await begin(ctx, input);
  const closeStream = ctx.runs.openStream();
  let ended = false;
  try {
    for await (const event of run.attach()) {
      yield event;
      if (event.kind === 'completed' || event.kind === 'failed') ended = true;
    }
  } finally {
    if (!ended) run.controller.abort(cancelled('The subscriber went away.'));
    // The final rows are written before the subscription ends, so what a client reads next is settled.
    await done;
    closeStream();
  }
}

export async function runPipelineOnce(ctx: Context, input: RunPipelineInputValue): Promise<RunPipelinePayloadShape> {
  const { row, done } = await begin(ctx, input);
  const terminal = await done;
  if (terminal.kind === 'failed') {
    throw new TesseraError(terminal.error.code as never, terminal.error.message, {
      requestId: row.id,
      step: terminal.step,
      task: terminal.task,
    });
  }
  return { output: terminal.output, request: (await ctx.requests.get(row.id))! };
}

/** Attaches to a pipeline by id: its events so far, then the rest; a finished one is told from its row. */
export async function* pipelineEvents(ctx: Context, id: string): AsyncGenerator<PipelineEvent> {
  const row = await ctx.requests.get(id);
  if (!row) throw new TesseraError('NOT_FOUND', `No request with id "${id}".`, { id });
  if (row.task !== 'PIPELINE') throw badInput(`pipelineEvents streams pipeline requests; ${id} is a ${row.task} request.`);
  const run = ctx.runs.get<PipelineEvent>(id);
  if (run) {
    yield* run.attach();
    return;
  }
  const stored = row.status === 'QUEUED' || row.status === 'RUNNING' ? ((await ctx.requests.get(id)) ?? row) : row;
  const planned = ((stored.parameters as { steps?: PlannedStep[] } | null)?.steps ?? []) as PlannedStep[];
  const result = stored.result as PipelineResultShape | null;
  yield { kind: 'started', requestId: id, steps: planned };
  for (const step of result?.steps ?? []) {
    if (!step.requestId) continue;
    yield { kind: 'step-started', step: step.index, requestId: step.requestId, task: step.task, model: step.model };
    if (step.output) yield { kind: 'step-completed', step: step.index, requestId: step.requestId, task: step.task, output: step.output };
  }
  if (stored.status === 'COMPLETED' && result?.output) {
    yield { kind: 'completed', requestId: id, output: result.output };
    return;
  }
  const failedStep = result?.steps.find((s) => s.status !== 'COMPLETED');
  yield {
    kind: 'failed',
    requestId: id,
    status: stored.status === 'CANCELLED' ? 'CANCELLED' : 'FAILED',
    step: failedStep?.index ?? null,
    task: failedStep?.task ?? null,
    error: { code: stored.errorCode ?? 'INFERENCE_FAILED', message: stored.errorMessage ?? '' },
  };
}
