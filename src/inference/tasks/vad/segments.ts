/**
 * Per-window speech probabilities → speech segments: hysteresis between an onset and a lower
 * offset threshold, short pauses bridged, short blips dropped, edges padded.
 */
import type { SpeechSegment } from '../../types.js';

export interface SegmentOptions {
  /** Probability at which speech starts. */
  threshold: number;
  /** Probability below which speech may end (the hysteresis keeps flutter inside one segment). */
  offThreshold: number;
  minSpeechSamples: number;
  minSilenceSamples: number;
  padSamples: number;
}

/**
 * `probs[i]` is the model's belief for samples [i·window, (i+1)·window). Returns segments in
 * seconds, rounded to the millisecond, within [0, totalSamples / sampleRate].
 */
export function speechSegments(
  probs: ArrayLike<number>,
  window: number,
  totalSamples: number,
  sampleRate: number,
  options: SegmentOptions,
): SpeechSegment[] {
  const spans: { start: number; end: number }[] = [];
  let inSpeech = false;
  let start = 0;
  // Where the current dip below the offset threshold began; -1 while there is none.
  let dipStart = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    const at = i * window;
    if (p >= options.threshold) {
      dipStart = -1;
      if (!inSpeech) {
        inSpeech = true;
        start = at;
      }
      continue;
    }
    if (!inSpeech || p >= options.offThreshold) continue;
    if (dipStart < 0) dipStart = at;
    if (at + window - dipStart < options.minSilenceSamples) continue;
    if (dipStart - start >= options.minSpeechSamples) spans.push({ start, end: dipStart });
    inSpeech = false;
    dipStart = -1;
  }
  if (inSpeech && totalSamples - start >= options.minSpeechSamples) spans.push({ start, end: totalSamples });

  // Padding: a gap too short for both pads is split down the middle instead.
  const pad = options.padSamples;
  for (let k = 0; k < spans.length; k++) {
    const span = spans[k];
    const next = spans[k + 1];
    if (k === 0) span.start = Math.max(0, span.start - pad);
    if (next) {
      const gap = next.start - span.end;
      const give = gap < 2 * pad ? gap / 2 : pad;
      span.end += give;
      next.start = Math.max(0, next.start - give);
    } else {
      span.end = Math.min(totalSamples, span.end + pad);
    }
  }
  const seconds = (samples: number) => Math.round((samples / sampleRate) * 1000) / 1000;
  return spans.map((s) => ({ start: seconds(s.start), end: seconds(s.end) }));
}
