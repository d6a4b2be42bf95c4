/** One classification of a stored image, zero-shot against typed labels or by the installed classifier. */
import { request } from '../../api';
import { Classify, ClassifyZeroShot } from './documents';
import type { Scores } from './scores-panel';

/** "red, green ,, blue" → ["red", "green", "blue"]. */
export const splitLabels = (text: string) =>
  text
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');

export async function classify(kind: Scores['kind'], artifactId: string, labels: string, template: string): Promise<Scores> {
  const image = { artifactId };
  const result =
    kind === 'zero-shot'
      ? (await request(ClassifyZeroShot, { input: { image, labels: splitLabels(labels), hypothesisTemplate: template.trim() || undefined } })).classifyImageZeroShot
      : (await request(Classify, { input: { image, topK: 10 } })).classifyImage;
  return { kind, model: result.model, labels: result.labels, requestId: result.request.id, computeMs: result.request.computeMs };
}
