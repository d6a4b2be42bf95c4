/**
 * TEXT → TEXT: the previous step's text goes into the prompt template and the language
 * model's tokens stream out as the step's events.
 */
import type { GenerationResultShape } from '../../schema/results.js';
import type { GenerationRequest } from '../../inference/generation/types.js';
import { abortError, TesseraError } from '../../errors.js';
import type { PlannedStep } from '../types.js';
import { expectKind, type StepKind } from './step.js';

export const INPUT_PLACEHOLDER = '{{input}}';

export function renderTemplate(template: string | undefined, input: string): string {
  return (template ?? INPUT_PLACEHOLDER).replaceAll(INPUT_PLACEHOLDER, input);
}

/** The generation request a step sends for the given prompt text. */
export function generationRequest(step: Pick<PlannedStep, 'generation'>, prompt: string): GenerationRequest {
  const { chat, ...parameters } = step.generation ?? {};
  return chat ? { ...parameters, messages: [{ role: 'user', content: prompt }] } : { ...parameters, prompt };
}

export const generateStep: StepKind = {
  engineTask: 'TEXT_GENERATION',
  accepts: ['TEXT'],
  produces: 'TEXT',
  options: ['template', 'generation'],
  record: (step, input) => ({
    parameters: { template: step.template ?? INPUT_PLACEHOLDER, ...step.generation },
    inputModalities: ['TEXT'],
    inputText: renderTemplate(step.template, expectKind(input, 'TEXT').text),
  }),
  async *run(step, input, env) {
    const prompt = renderTemplate(step.template, expectKind(input, 'TEXT').text);
    const events = await env.engine.generate(step.model, generationRequest(step, prompt), { signal: env.signal });
    const startedAt = Date.now();
    let firstOutputAt: Date | null = null;
    for await (const event of events) {
      if (event.type === 'started') {
        env.onStart(new Date(startedAt + event.queueMs));
      } else if (event.type === 'token') {
        firstOutputAt ??= new Date();
        if (event.text) yield { kind: 'token', step: step.index, text: event.text };
      } else {
        if (event.finishReason === 'CANCELLED') throw abortError(env.signal);
        if (event.finishReason === 'ERROR') {
          const error = event.error ?? { code: 'INFERENCE_FAILED', message: 'Generation failed.' };
          throw new TesseraError(error.code as never, error.message);
        }
        const stored: GenerationResultShape = {
          kind: 'generation',
          text: event.text,
          finishReason: event.finishReason,
          usage: event.usage,
          timings: {
            queueMs: event.timings.queueMs,
            timeToFirstTokenMs: event.timings.timeToFirstTokenMs,
            tokensPerSecond: event.timings.tokensPerSecond,
          },
        };
        return {
          data: { kind: 'TEXT', text: event.text, segments: null },
          outcome: {
            outputText: event.text,
            result: stored,
            promptTokens: event.usage.promptTokens,
            completionTokens: event.usage.completionTokens,
            queueMs: event.timings.queueMs,
            computeMs: event.timings.computeMs,
            firstOutputAt,
          },
        };
      }
    }
    throw new TesseraError('INFERENCE_FAILED', 'The generation ended without a completion event.');
  },
};
