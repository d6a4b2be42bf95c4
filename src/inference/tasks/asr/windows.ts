/**
 * Long audio → windows a recogniser can take in one decode. Windows follow the speech the
 * VAD found: neighbouring segments are merged while the merged span still fits, so words
 * are not cut at a window edge; only a single stretch of speech longer than a window is
 * split, into equal parts. Silence between windows is never decoded.
 *
 * Speech arrives chunk by chunk (the VAD runs ahead of decoding), so the planner hands out a
 * window as soon as no later speech could still join it.
 */
import type { SpeechSegment } from '../../types.js';

/** Half-open range of samples. */
export interface SampleSpan {
  start: number;
  end: number;
}

export class WindowPlanner {
  /** Merged speech not yet handed out; only the last one can still grow. */
  private open: SampleSpan | undefined;

  constructor(private readonly maxSamples: number) {}

  /**
   * Adds the speech found up to sample `heard` (spans in order, starting at or after the
   * previous ones) and returns the windows that are now final.
   */
  add(speech: readonly SampleSpan[], heard: number): SampleSpan[] {
    const done: SampleSpan[] = [];
    for (const span of speech) {
      if (span.end <= span.start) continue;
      if (this.open && span.end - this.open.start <= this.maxSamples) {
        this.open.end = Math.max(this.open.end, span.end);
      } else {
        if (this.open) done.push(...splitEvenly(this.open, this.maxSamples));
        this.open = { ...span };
      }
    }
    // Later speech starts at `heard` or after: past the window's reach, nothing can join.
    if (this.open && heard - this.open.start >= this.maxSamples) {
      done.push(...splitEvenly(this.open, this.maxSamples));
      this.open = undefined;
    }
    return done;
  }

  /** The end of the audio: whatever is still open. */
  finish(): SampleSpan[] {
    const rest = this.open ? splitEvenly(this.open, this.maxSamples) : [];
    this.open = undefined;
    return rest;
  }
}

export function speechSpans(speech: readonly SpeechSegment[], sampleRate: number, offset: number, limit: number): SampleSpan[] {
  return speech
    .map((s) => ({ start: Math.max(offset, offset + Math.round(s.start * sampleRate)), end: Math.min(limit, offset + Math.round(s.end * sampleRate)) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
}

/** All windows of fully known speech at once. */
export function windowsFromSpeech(speech: readonly SpeechSegment[], totalSamples: number, sampleRate: number, maxSamples: number): SampleSpan[] {
  const planner = new WindowPlanner(maxSamples);
  return [...planner.add(speechSpans(speech, sampleRate, 0, totalSamples), totalSamples), ...planner.finish()];
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
