/**
 * The request's sampling parameters as an ordered chain of logits rules: repetition
 * penalty, presence/frequency penalties, temperature, top-k, top-p, min-p.
 */
import { MinP } from './min-p.js';
import { PresenceFrequencyPenalty } from './presence-frequency-penalty.js';
import { RepetitionPenalty } from './repetition-penalty.js';
import { Temperature } from './temperature.js';
import { TopK } from './top-k.js';
import { TopP } from './top-p.js';
import type { LogitsContext, LogitsProcessor } from './types.js';

export type { LogitsContext, LogitsProcessor } from './types.js';
export { MinP, PresenceFrequencyPenalty, RepetitionPenalty, Temperature, TopK, TopP };

export interface SamplingParameters {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repetitionPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
}

/** Only the rules that change something are built, so greedy without options costs nothing. */
export function buildProcessors(p: SamplingParameters): LogitsProcessor[] {
  const chain: LogitsProcessor[] = [];
  if (p.repetitionPenalty !== undefined && p.repetitionPenalty !== 1) chain.push(new RepetitionPenalty(p.repetitionPenalty));
  if (p.presencePenalty || p.frequencyPenalty) chain.push(new PresenceFrequencyPenalty(p.presencePenalty ?? 0, p.frequencyPenalty ?? 0));
  if (p.temperature !== undefined && p.temperature > 0 && p.temperature !== 1) chain.push(new Temperature(p.temperature));
  if (p.topK !== undefined && p.topK > 0) chain.push(new TopK(p.topK));
  if (p.topP !== undefined && p.topP < 1) chain.push(new TopP(p.topP));
  if (p.minP !== undefined && p.minP > 0) chain.push(new MinP(p.minP));
  return chain;
}

export function applyProcessors(chain: readonly LogitsProcessor[], logits: Float32Array, context: LogitsContext): void {
  for (const processor of chain) processor.apply(logits, context);
}
