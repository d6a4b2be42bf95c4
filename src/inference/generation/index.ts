export { TextGenerator, type TextGeneratorOptions } from './text-generator.js';
export { TextTokenizer } from './tokenizer.js';
export { IncrementalDetokenizer } from './detokenizer.js';
export { validateGenerationRequest, checkContext, GENERATION_LIMITS } from './validate.js';
export { StopStringMatcher } from './stopping.js';
export { Sampler, SeededRandom } from './sampler.js';
export * from './processors/index.js';
export type * from './types.js';
