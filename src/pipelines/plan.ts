/**
 * Checks a pipeline before anything is stored or run: the chain is non-empty and short
 * enough, the first step reads an input that was given (and every given input is read),
 * each step reads what the step before it produces, each step's options belong to it and
 * are valid, and each step's model exists and serves the step's task. Every refusal names
 * the step by index.
 */
import type { Engine } from '../inference/engine.js';
import { badInput, isTesseraError, TesseraError } from '../errors.js';
import { INPUT_PLACEHOLDER } from './steps/generate.js';
import { STEP_KINDS } from './steps/index.js';
import type { StepKind } from './steps/step.js';
import type { PipelinePlan, PipelineSourceKind, PipelineStepSpec, PipelineTask, PlannedStep } from './types.js';

export const MAX_PIPELINE_STEPS = 8;

const SOURCE_NAMES: Record<PipelineSourceKind, string> = { AUDIO: 'audio', IMAGE: 'image', TEXT: 'text' };

function stepError(index: number, task: PipelineTask, message: string, details: Record<string, unknown> = {}): TesseraError {
  return badInput(`Step ${index} (${task}): ${message}`, { ...details, step: index, task });
}

/** Re-throws an error from a check done for a step with that step's index and task added. */
function atStep<T>(index: number, task: PipelineTask, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    throw new TesseraError(error.code, `Step ${index} (${task}): ${error.message}`, { ...error.details, step: index, task });
  }
}

function checkOptions(index: number, spec: PipelineStepSpec, kind: StepKind): void {
  for (const option of ['template', 'generation', 'threshold', 'language'] as const) {
    if (spec[option] !== undefined && !kind.options.includes(option)) {
      throw stepError(index, spec.task, `${option} does not apply to a ${spec.task} step.`, { argument: option });
    }
  }
  if (spec.template !== undefined && !spec.template.includes(INPUT_PLACEHOLDER)) {
    throw stepError(index, spec.task, `the template must contain ${INPUT_PLACEHOLDER}, where the previous step's text goes.`, {
      argument: 'template',
    });
  }
  if (spec.threshold !== undefined && !(spec.threshold > 0 && spec.threshold < 1)) {
    throw stepError(index, spec.task, 'threshold must be between 0 and 1 (exclusive).', { argument: 'threshold' });
  }
  if (kind.validate) atStep(index, spec.task, () => kind.validate!(spec));
}

export function planPipeline(
  engine: Pick<Engine, 'resolveModel'>,
  specs: readonly PipelineStepSpec[],
  given: ReadonlySet<PipelineSourceKind>,
): PipelinePlan {
  if (specs.length === 0) throw badInput('A pipeline needs at least one step.', { argument: 'steps' });
  if (specs.length > MAX_PIPELINE_STEPS) {
    throw stepError(MAX_PIPELINE_STEPS, specs[MAX_PIPELINE_STEPS].task, `one step too many; a pipeline has at most ${MAX_PIPELINE_STEPS}.`, {
      argument: 'steps',
    });
  }
  const first = STEP_KINDS[specs[0].task];
  const readable = first.accepts.filter((kind): kind is PipelineSourceKind => given.has(kind as PipelineSourceKind));
  if (readable.length === 0) {
    const wanted = first.accepts.filter((kind) => kind in SOURCE_NAMES).map((kind) => `inputs.${SOURCE_NAMES[kind as PipelineSourceKind]}`);
    throw stepError(0, specs[0].task, `the first step reads ${wanted.join(' or ')}, which was not given.`, { argument: 'inputs' });
  }
  const source = readable[0];
  for (const kind of given) {
    if (kind !== source) {
      throw badInput(`inputs.${SOURCE_NAMES[kind]} was given but no step reads it; the first step reads inputs.${SOURCE_NAMES[source]}.`, {
        argument: `inputs.${SOURCE_NAMES[kind]}`,
      });
    }
  }

  const steps: PlannedStep[] = [];
  let flowing: PlannedStep['input'] = source;
  specs.forEach((spec, index) => {
    const kind = STEP_KINDS[spec.task];
    if (!kind.accepts.includes(flowing)) {
      const previous = steps[index - 1];
      throw stepError(
        index,
        spec.task,
        `it reads ${kind.accepts.join(' or ')}, but step ${previous.index} (${previous.task}) produces ${flowing}.`,
        { argument: 'steps', input: flowing },
      );
    }
    checkOptions(index, spec, kind);
    const model = atStep(index, spec.task, () => engine.resolveModel(kind.engineTask, spec.model));
    steps.push({
      index,
      task: spec.task,
      model: model.name,
      input: flowing,
      output: kind.produces,
      template: spec.template,
      generation: spec.generation,
      threshold: spec.threshold,
      language: spec.language,
    });
    flowing = kind.produces;
  });
  return { steps, source };
}
