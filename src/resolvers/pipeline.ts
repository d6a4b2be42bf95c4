/**
 * Pipelines from GraphQL: validate the whole chain (no row, no stored media before that),
 * then run src/pipelines' steps through the run service, which persists the pipeline and
 * each step as requests of their own.
 */
import type { Context } from '../contracts/context.js';
import type { RequestRow } from '../db/request-store.js';
import { badInput, TesseraError } from '../errors.js';
import { planPipeline } from '../pipelines/plan.js';
import { runPipeline } from '../pipelines/run.js';
import { isPipelinePreview, pipelineFold, replayPipeline, type PipelineProgress } from '../runs/folds/pipeline.js';
import { resumeAfter } from './resume.js';
import { sequenced } from '../runs/sequence.js';
import type {
  PipelineEvent,
  PipelineGenerationParameters,
  PipelineOutput,
  PipelinePlan,
  PipelineSourceKind,
  PipelineSources,
  PipelineStepSpec,
  PipelineTask,
} from '../pipelines/types.js';
import { resolveMedia, type MediaInputValue } from './media.js';
import { withoutNulls, type Nullable } from './input.js';

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

export interface RunPipelinePayloadShape {
  output: PipelineOutput;
  request: RequestRow;
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

/** The pipeline's step events, then its result, for the run service's fold. */
async function* progress(ctx: Context, parentId: string, signal: AbortSignal, plan: PipelinePlan, sources: PipelineSources): AsyncGenerator<PipelineProgress> {
  const steps = runPipeline(plan, sources, { parentId, signal, engine: ctx.engine,
    runs: ctx.runs,
    maxAudioSeconds: ctx.config.MAX_AUDIO_SECONDS,
    storeMedia: async (bytes) => (await ctx.artifacts.put(bytes)).id,
  });
  let next = await steps.next();
  while (!next.done) {
    yield next.value;
    next = await steps.next();
  }
  yield { kind: 'done', result: next.value };
}

async function begin(ctx: Context, input: RunPipelineInputValue) {
  const plan = planPipeline(ctx.engine, toSpecs(input.steps), givenSources(input.inputs));
  const sources = await loadSources(ctx, input.inputs);
  const media = sources.audio ?? sources.image;
  const pending = ctx.runs.prepare();
  const spec = {
    task: 'PIPELINE',
    model: plan.steps.map((s) => s.model).join('+'),
    parameters: { steps: plan.steps },
    inputModalities: [plan.source],
    inputText: sources.text ?? null,
    inputArtifactIds: media?.artifactId ? [media.artifactId] : [],
  };
  // The pipeline itself runs from the start; each step's row says when its own work ran.
  pending.onStart();
  const steps = (row: RequestRow) => progress(ctx, row.id, pending.signal, plan, sources);
  return ctx.runs.streamed(spec, pending, ctx.signal, steps, pipelineFold(plan));
}

export async function* runPipelineEvents(ctx: Context, input: RunPipelineInputValue): AsyncGenerator<PipelineEvent> {
  yield* ctx.runs.follow(await begin(ctx, input), (events) => sequenced(events, { isPreview: isPipelinePreview }));
}

export async function runPipelineOnce(ctx: Context, input: RunPipelineInputValue): Promise<RunPipelinePayloadShape> {
  const started = await begin(ctx, input);
  const { events, request } = await ctx.runs.collect(started);
  const terminal = events.at(-1)!;
  if (terminal.kind === 'failed') {
    throw new TesseraError(terminal.error.code as never, terminal.error.message, { requestId: started.row.id, step: terminal.step, task: terminal.task });
  }
  if (terminal.kind !== 'completed') throw new Error('a pipeline log ends with completed or failed');
  return { output: terminal.output, request: request! };
}

/** Attaches to a pipeline by id: its events so far, then the rest; a finished one is told from its row. */
export function pipelineEvents(ctx: Context, id: string, after?: number | null): AsyncIterable<PipelineEvent> {
  const told = ctx.runs.attach(
    id,
    (row) => {
      if (row.task !== 'PIPELINE') throw badInput(`pipelineEvents streams pipeline requests; ${id} is a ${row.task} request.`);
    },
    replayPipeline,
  );
  return sequenced(told, { after: resumeAfter(after), isPreview: isPipelinePreview });
}
