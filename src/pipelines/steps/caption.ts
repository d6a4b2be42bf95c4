/** IMAGE → TEXT: the captioning model describes the image; its tokens stream as the step's events. */
import type { CaptionRequest } from '../../inference/tasks/captioning/request.js';
import { validateCaptionRequest } from '../../inference/tasks/captioning/request.js';
import type { PlannedStep } from '../types.js';
import { expectKind, mediaRecord, type StepKind } from './step.js';
import { streamTokens } from './token-stream.js';

const captionRequest = (step: Pick<PlannedStep, 'generation'>): CaptionRequest => (step.generation ?? {}) as CaptionRequest;

export const captionStep: StepKind = {
  engineTask: 'IMAGE_CAPTIONING',
  accepts: ['IMAGE'],
  produces: 'TEXT',
  options: ['generation'],
  validate: (spec) => validateCaptionRequest(captionRequest(spec)),
  record: (step, input) => ({ parameters: { ...step.generation }, inputModalities: ['IMAGE'], ...mediaRecord(expectKind(input, 'IMAGE').media) }),
  async *run(step, input, env) {
    const { media } = expectKind(input, 'IMAGE');
    const events = await env.engine.captionImage(step.model, media.bytes, captionRequest(step), { signal: env.signal });
    return yield* streamTokens(step, events, env, 'caption');
  },
};
