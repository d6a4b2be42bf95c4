/**
 * The sampling fields `/v1/chat/completions` and `/v1/completions` share, as zod shapes, and
 * their mapping onto the engine's GenerationRequest. Only types are checked here; ranges are
 * the engine's to refuse (validateGenerationRequest), so both APIs answer the same limits.
 * Fields the engine cannot honour are refused by name instead of being ignored.
 */
import { z } from 'zod';
import type { GenerationRequest } from '../../inference/generation/types.js';
import { badParam } from '../errors.js';

/** The most choices one request may ask for; each is its own generation (batched together). */
export const MAX_CHOICES = 8;

export const samplingShape = {
  model: z.string().min(1),
  n: z.number().int().min(1).max(MAX_CHOICES).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  max_tokens: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  // Common extensions of OpenAI-compatible servers (vLLM, llama.cpp), mapped to the same engine fields.
  top_k: z.number().int().nullish(),
  min_p: z.number().nullish(),
  repetition_penalty: z.number().nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  user: z.string().nullish(),
};

type SamplingBody = z.infer<z.ZodObject<typeof samplingShape>>;

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;

/** The engine's sampling parameters for one choice; choice `index` gets `seed + index`, so seeded choices differ and repeat. */
export function samplingOf(body: SamplingBody, maxTokens: number | null | undefined, index: number): Omit<GenerationRequest, 'prompt' | 'messages'> {
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) throw badParam('logit_bias', 'logit_bias is not supported.');
  return defined({
    maxTokens: maxTokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    topK: body.top_k ?? undefined,
    minP: body.min_p ?? undefined,
    repetitionPenalty: body.repetition_penalty ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    seed: body.seed == null ? undefined : body.seed + index,
    stop: body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop,
  });
}

export function finishReasonOf(reason: string): 'stop' | 'length' | 'tool_calls' {
  if (reason === 'LENGTH') return 'length';
  if (reason === 'TOOL_CALLS') return 'tool_calls';
  return 'stop';
}
