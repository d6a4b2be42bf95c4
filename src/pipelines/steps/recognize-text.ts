/** IMAGE → TEXT: the OCR model reads the image; its lines, joined, are the text passed on. */
import type { OcrResultShape } from '../../contracts/results.js';
import { expectKind, mediaRecord, type StepKind } from './step.js';

export const recognizeTextStep: StepKind = {
  engineTask: 'OCR',
  accepts: ['IMAGE'],
  produces: 'TEXT',
  options: [],
  record: (_step, input) => ({ parameters: {}, inputModalities: ['IMAGE'], ...mediaRecord(expectKind(input, 'IMAGE').media) }),
  async *run(step, input, env) {
    const { media } = expectKind(input, 'IMAGE');
    const { stats, ...result } = await env.engine.recognizeText(step.model, media.bytes, { signal: env.signal, onStart: () => env.onStart() });
    const stored: OcrResultShape = { kind: 'ocr', ...result };
    return { data: { kind: 'TEXT', text: result.text, segments: null }, outcome: { ...stats, outputText: result.text, result: stored } };
  },
};
