/**
 * Long audio → windows a recogniser can take in one decode. Windows follow the speech the
 * VAD found: neighbouring segments are merged while the merged span still fits, so words
 * are not cut at a window edge; only a single stretch of speech longer than a window is
 * split, into equal parts. Silence between windows is never decoded.
 */
import type { SpeechSegment } from '../../types.js';

/** Half-open range of samples. */
export interface SampleSpan {
  start: number;
  end: number;
}

export function windowsFromSpeech(speech: readonly SpeechSegment[], totalSamples: number, sampleRate: number, maxSamples: number): SampleSpan[] {
  const spans = speech
    .map((s) => ({ start: Math.max(0, Math.round(s.start * sampleRate)), end: Math.min(totalSamples, Math.round(s.end * sampleRate)) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const merged: SampleSpan[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.end - last.start <= maxSamples) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged.flatMap((span) => splitEvenly(span, maxSamples));
}

/** Consecutive windows over the whole audio, for when no VAD model is available. */
export function fixedWindows(totalSamples: number, maxSamples: number): SampleSpan[] {
  return splitEvenly({ start: 0, end: totalSamples }, maxSamples);
}

function splitEvenly(span: SampleSpan, maxSamples: number): SampleSpan[] {
  const length = span.end - span.start;
  const parts = Math.max(1, Math.ceil(length / maxSamples));
  const out: SampleSpan[] = [];
  for (let i = 0; i < parts; i += 1) {
    out.push({ start: span.start + Math.floor((length * i) / parts), end: span.start + Math.floor((length * (i + 1)) / parts) });
  }
  return out;
}
