/**
 * TEXT → TEXT: the previous step's text goes into the prompt template and the language
 * model's tokens stream out as the step's events.
 */
import type { GenerationRequest } from '../../inference/generation/types.js';
import { validateGenerationRequest } from '../../inference/generation/validate.js';
import type { PipelineStepSpec, PlannedStep } from '../types.js';
import { expectKind, type StepKind } from './step.js';
import { streamTokens } from './token-stream.js';

export const INPUT_PLACEHOLDER = '{{input}}';

export function renderTemplate(template: string | undefined, input: string): string {
  return (template ?? INPUT_PLACEHOLDER).replaceAll(INPUT_PLACEHOLDER, input);
}

/** The generation request a step sends for the given prompt text. */
function generationRequest(step: Pick<PlannedStep, 'generation'>, prompt: string): GenerationRequest {
  const { chat, ...parameters } = step.generation ?? {};
  return chat ? { ...parameters, messages: [{ role: 'user', content: prompt }] } : { ...parameters, prompt };
}

export const generateStep: StepKind = {
  engineTask: 'TEXT_GENERATION',
  accepts: ['TEXT'],
  produces: 'TEXT',
  options: ['template', 'generation'],
  // The prompt is only known when the previous step has run; the parameters are checked now.
  validate: (spec: PipelineStepSpec) =>
    validateGenerationRequest(generationRequest(spec, 'x'), { contextLength: Number.MAX_SAFE_INTEGER }),
  record: (step, input) => ({
    parameters: { template: step.template ?? INPUT_PLACEHOLDER, ...step.generation },
    inputModalities: ['TEXT'],
    inputText: renderTemplate(step.template, expectKind(input, 'TEXT').text),
  }),
  async *run(step, input, env) {
    const prompt = renderTemplate(step.template, expectKind(input, 'TEXT').text);
    const events = await env.engine.generate(step.model, generationRequest(step, prompt), { signal: env.signal });
    return yield* streamTokens(step, events, env, 'generation');
  },
};
