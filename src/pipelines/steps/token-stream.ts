/**
 * The engine's generation event stream (text generation, captioning) as a step: tokens out
 * as step events, the completion as the step's text and its child row's columns.
 */
import type { GenerationEvent } from '../../inference/generation/types.js';
import { abortError, TesseraError } from '../../errors.js';
import { generationOutcome } from '../../contracts/generation-outcome.js';
import type { PipelineStepEvent, PlannedStep } from '../types.js';
import type { StepEnv, StepResult } from './step.js';

export async function* streamTokens(
  step: PlannedStep,
  events: AsyncIterable<GenerationEvent>,
  env: StepEnv,
  kind: 'generation' | 'caption',
): AsyncGenerator<PipelineStepEvent, StepResult> {
  const startedAt = Date.now();
  let firstOutputAt: Date | null = null;
  for await (const event of events) {
    if (event.type === 'started') {
      env.onStart(new Date(startedAt + event.queueMs));
    } else if (event.type === 'token') {
      firstOutputAt ??= new Date();
      if (event.text) yield { kind: 'token', step: step.index, text: event.text };
    } else if (event.type === 'completed') {
      if (event.finishReason === 'CANCELLED') throw abortError(env.signal);
      if (event.finishReason === 'ERROR') {
        const error = event.error ?? { code: 'INFERENCE_FAILED', message: 'Generation failed.' };
        throw new TesseraError(error.code as never, error.message);
      }
      return { data: { kind: 'TEXT', text: event.text, segments: null }, outcome: generationOutcome(event, kind, firstOutputAt).outcome };
    }
  }
  throw new TesseraError('INFERENCE_FAILED', 'The generation ended without a completion event.');
}
