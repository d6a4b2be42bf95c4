/**
 * Whisper's timestamp tokens: the rules that keep greedy decoding to the structure the model
 * was trained on (<|t0|> text <|t1|> <|t1|> text <|t2|> …), and the parse of that structure
 * into segments.
 */
import type { TranscriptSegment } from './types.js';
import type { WhisperVocabulary } from './whisper-tokens.js';

/** Only the first second may open a window (Whisper's max_initial_timestamp). */
const MAX_INITIAL_SECONDS = 1;

/**
 * Masks what may not come next, given the tokens generated so far (prompt excluded): the
 * first token is a timestamp; after an opening timestamp comes text, after text a closing
 * timestamp may come, after a closing one only another timestamp or the end; time never
 * goes backwards.
 */
export function maskTimestamps(logits: Float32Array, generated: readonly number[], vocab: WhisperVocabulary): void {
  const begin = vocab.timestampBegin!;
  const isTime = (id: number | undefined) => id !== undefined && id >= begin;
  const maskRange = (from: number, to: number) => logits.fill(-Infinity, from, Math.min(to, logits.length));
  if (generated.length === 0) {
    maskRange(0, begin);
    maskRange(begin + Math.round(MAX_INITIAL_SECONDS / vocab.timePrecision) + 1, logits.length);
    return;
  }
  const lastIsTime = isTime(generated.at(-1));
  // Before the first token counts as a timestamp: a window opens with one.
  const penultimateIsTime = generated.length < 2 || isTime(generated.at(-2));
  if (lastIsTime) {
    if (penultimateIsTime) maskRange(begin, logits.length);
    else maskRange(0, vocab.endOfText);
  }
  let lastTime = -1;
  for (const id of generated) if (id >= begin) lastTime = id;
  if (lastTime >= 0) {
    // The segment after a closing time may open at that same time; otherwise time moves on
    // (a segment never closes at the time it opened).
    maskRange(begin, lastIsTime && !penultimateIsTime ? lastTime : lastTime + 1);
  }
}

/** Splits generated tokens at timestamps; `decode` turns text ids into text. */
export function timestampSegments(
  generated: readonly number[],
  vocab: WhisperVocabulary,
  windowSeconds: number,
  decode: (ids: number[]) => string,
): TranscriptSegment[] {
  const begin = vocab.timestampBegin!;
  const segments: TranscriptSegment[] = [];
  let start: number | undefined;
  let text: number[] = [];
  for (const id of generated) {
    if (id >= begin) {
      const time = Math.min((id - begin) * vocab.timePrecision, windowSeconds);
      if (start !== undefined && text.length > 0) {
        segments.push({ start, end: time, text: decode(text) });
        text = [];
        start = undefined;
      } else {
        start = time;
      }
    } else if (!vocab.special.has(id)) {
      text.push(id);
    }
  }
  if (text.length > 0) segments.push({ start: start ?? 0, end: windowSeconds, text: decode(text) });
  return segments;
}
