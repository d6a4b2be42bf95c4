/**
 * The recogniser's alphabet. A PaddleOCR dictionary file lists one character per line; the
 * model's classes are the CTC blank at 0, then the file's characters, then (for models
 * trained with spaces) a space. The class count on the model's output decides which.
 */
import { TesseraError } from '../../../errors.js';

/** Dictionary file text → its characters, in order (no blank, no appended space). */
export function parseCharset(fileText: string): string[] {
  const lines = fileText.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Class index → text, for a model whose output has `classCount` classes. Index 0 (blank) maps to ''. */
export function ctcAlphabet(charset: readonly string[], classCount: number): string[] {
  if (classCount === charset.length + 2) return ['', ...charset, ' '];
  if (classCount === charset.length + 1) return ['', ...charset];
  throw new TesseraError(
    'INFERENCE_FAILED',
    `The recogniser has ${classCount} classes but the charset has ${charset.length} characters (expected ${charset.length + 1} or ${charset.length + 2}).`,
    { classCount, charsetSize: charset.length },
  );
}

export interface CtcResult {
  text: string;
  /** Mean probability of the emitted characters; 0 when nothing was emitted. */
  confidence: number;
}

/**
 * Greedy CTC: the best class at each time step, repeats merged, blanks dropped. `probs` holds
 * softmax outputs for `steps` time steps of `classCount` classes, starting at `offset`.
 *
 * Recognisers trained mostly on Chinese rarely let the space class win a step, even over a
 * clear gap between Latin words; instead it rises under the blank. A gap between two
 * characters whose space probability reaches `spaceFloor` at some step is read as a space.
 */
export function ctcGreedy(
  probs: Float32Array,
  offset: number,
  steps: number,
  classCount: number,
  alphabet: readonly string[],
  spaceFloor = Infinity,
): CtcResult {
  const space = alphabet[alphabet.length - 1] === ' ' ? alphabet.length - 1 : -1;
  let gapSpace = 0;
  let text = '';
  let sum = 0;
  let emitted = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classCount;
    let best = 0;
    let bestP = probs[row];
    for (let k = 1; k < classCount; k++) {
      const p = probs[row + k];
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    }
    if (best === 0 && space > 0) gapSpace = Math.max(gapSpace, probs[row + space]);
    if (best !== 0 && best !== previous) {
      if (best !== space && gapSpace >= spaceFloor && text !== '' && !text.endsWith(' ')) text += ' ';
      gapSpace = 0;
      text += alphabet[best];
      sum += bestP;
      emitted++;
    }
    previous = best;
  }
  return { text, confidence: emitted > 0 ? sum / emitted : 0 };
}
