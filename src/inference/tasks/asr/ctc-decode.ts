/**
 * Greedy CTC decoding: the most likely token per frame, repeats collapsed, blanks dropped,
 * the word delimiter turned into word boundaries. Each word keeps the frames it spans, so
 * segments get their times from frame positions.
 */
import type { TranscriptSegment } from './types.js';

export interface CtcVocab {
  /** Token text by id. */
  tokens: string[];
  blank: number;
  /** The word delimiter ("|" in Wav2Vec2 vocabularies), when the vocabulary has one. */
  delimiter: number | undefined;
  /** Ids that never produce text (<s>, </s>, <unk> and the like). */
  silent: Set<number>;
}

export function parseVocab(vocab: Record<string, unknown>, options: { padToken?: string; delimiterToken?: string } = {}): CtcVocab {
  const tokens: string[] = [];
  for (const [text, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new Error(`vocab.json: "${text}" has id ${String(id)}`);
    tokens[id] = text;
  }
  const idOf = (text: string) => {
    const id = tokens.indexOf(text);
    return id < 0 ? undefined : id;
  };
  const blank = idOf(options.padToken ?? '<pad>');
  if (blank === undefined) throw new Error(`vocab.json has no blank token "${options.padToken ?? '<pad>'}"`);
  const silent = new Set<number>();
  tokens.forEach((text, id) => {
    if (/^<[^>]*>$/.test(text ?? '<>')) silent.add(id);
  });
  return { tokens, blank, delimiter: idOf(options.delimiterToken ?? '|'), silent };
}

interface Word {
  text: string;
  startFrame: number;
  endFrame: number;
}

/** Best token per frame of row-major logits [frames, vocabSize]; the lowest id wins ties. */
export function bestPath(logits: Float32Array, frames: number, vocabSize: number): Int32Array {
  const ids = new Int32Array(frames);
  for (let f = 0; f < frames; f += 1) {
    const row = f * vocabSize;
    let best = 0;
    for (let v = 1; v < vocabSize; v += 1) if (logits[row + v] > logits[row + best]) best = v;
    ids[f] = best;
  }
  return ids;
}

/** `pauseFrames` of blank between two letters also separates words, delimiter or not. */
export function ctcWords(path: ArrayLike<number>, vocab: CtcVocab, pauseFrames = Infinity): Word[] {
  const words: Word[] = [];
  let current: Word | undefined;
  let previous = -1;
  for (let f = 0; f < path.length; f += 1) {
    const id = path[f];
    if (id === previous) {
      if (current && id !== vocab.blank && id !== vocab.delimiter && !vocab.silent.has(id)) current.endFrame = f + 1;
      continue;
    }
    previous = id;
    if (id === vocab.blank || vocab.silent.has(id)) continue;
    if (id === vocab.delimiter) {
      current = undefined;
      continue;
    }
    const text = vocab.tokens[id] ?? '';
    if (current && f - current.endFrame >= pauseFrames) current = undefined;
    if (!current) {
      current = { text: '', startFrame: f, endFrame: f + 1 };
      words.push(current);
    }
    current.text += text;
    current.endFrame = f + 1;
  }
  return words;
}

/** Words → segments, a new one wherever the pause between two words reaches `pauseFrames`. */
export function ctcSegments(words: readonly Word[], secondsPerFrame: number, pauseFrames: number): TranscriptSegment[] {
  const groups: Word[][] = [];
  for (const word of words) {
    const group = groups.at(-1);
    if (group && word.startFrame - group.at(-1)!.endFrame < pauseFrames) group.push(word);
    else groups.push([word]);
  }
  return groups.map((group) => ({
    start: group[0].startFrame * secondsPerFrame,
    end: group.at(-1)!.endFrame * secondsPerFrame,
    text: group.map((w) => w.text).join(' '),
  }));
}
