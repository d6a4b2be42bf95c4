/**
 * What a caption request may ask for: the sampling subset of a generation request (a
 * caption has no prompt and no chat), validated with the generation rules.
 */
import { badInput } from '../../../errors.js';
import type { GenerationRequest } from '../../generation/types.js';
import { validateGenerationRequest } from '../../generation/validate.js';

export type CaptionRequest = Pick<
  GenerationRequest,
  'maxTokens' | 'temperature' | 'topK' | 'topP' | 'minP' | 'repetitionPenalty' | 'seed' | 'stop' | 'logprobs' | 'topLogprobs'
>;

const ALLOWED = new Set<string>(['maxTokens', 'temperature', 'topK', 'topP', 'minP', 'repetitionPenalty', 'seed', 'stop', 'logprobs', 'topLogprobs']);

/**
 * BAD_USER_INPUT for anything out of range. `contextLength` is the decoder's (start token
 * included); before the model is loaded it is unknown and only the ranges are checked.
 */
export function validateCaptionRequest(request: CaptionRequest, contextLength = Number.MAX_SAFE_INTEGER): void {
  const extra = Object.keys(request).find((key) => !ALLOWED.has(key) && (request as Record<string, unknown>)[key] !== undefined);
  if (extra) throw badInput(`${extra} is not a caption parameter.`, { parameter: extra });
  // The decoder start token plays the prompt: one position of the context is taken.
  validateGenerationRequest({ ...request, prompt: '' }, { contextLength, promptTokens: 1 });
}
