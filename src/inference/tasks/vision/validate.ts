/** Request checks shared by the engine and the resolvers (which reject before persisting). */
import { badInput } from '../../../errors.js';
import { checkTextLength, checkTextsLength } from '../../text-limits.js';

export const MAX_LABELS = 100;
export const DEFAULT_TOP_K = 5;

export function checkLabels(labels: readonly string[]): void {
  if (labels.length === 0) throw badInput('labels must not be empty.');
  if (labels.length > MAX_LABELS) throw badInput(`At most ${MAX_LABELS} labels per request, got ${labels.length}.`, { labels: labels.length });
  checkTextsLength('labels', labels);
  const blank = labels.findIndex((label) => label.trim() === '');
  if (blank >= 0) throw badInput(`Label ${blank} is blank.`, { index: blank });
}

export function checkTemplate(template: string): void {
  checkTextLength('hypothesisTemplate', template);
  if (!template.includes('{}')) throw badInput('hypothesisTemplate must contain "{}" where the label goes.', { hypothesisTemplate: template });
}

export function checkTopK(topK: number | undefined): number {
  if (topK === undefined) return DEFAULT_TOP_K;
  if (!Number.isInteger(topK) || topK < 1) throw badInput(`topK must be a whole number of at least 1, got ${topK}.`, { topK });
  return topK;
}

/** Exactly one of text or image, and text that says something. */
export function embeddingModality(input: { text?: string | null; image?: unknown }): 'TEXT' | 'IMAGE' {
  const hasText = input.text != null;
  if (hasText === (input.image != null)) throw badInput('Give exactly one of text or image to embed.');
  if (hasText) checkTextLength('text', input.text!);
  if (hasText && input.text!.trim() === '') throw badInput('text to embed must not be blank.');
  return hasText ? 'TEXT' : 'IMAGE';
}
