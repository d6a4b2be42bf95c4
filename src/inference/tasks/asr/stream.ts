/**
 * One transcription as an event stream: plan the windows (the whole clip when it fits one
 * window, else windows cut at the VAD's speech boundaries), then decode them one after
 * another through the model's scheduler, emitting each window's segments as soon as that
 * window is decoded, and the decoder's tokens while it decodes. The VAD runs one window's
 * length of audio at a time, just ahead of decoding, so long audio's first segment does
 * not wait for the VAD to hear all of it.
 */
import { throwIfAborted } from '../../../errors.js';
import { EventChannel } from '../../generation/event-channel.js';
import type { RunStats, SpeechSegment } from '../../types.js';
import type { Recognizer, SamplesInput, TranscribeOptions, TranscriptionEvent, TranscriptSegment, WindowJob, WindowResult } from './types.js';
import { fixedWindows, speechSpans, WindowPlanner, type SampleSpan } from './windows.js';

export interface TranscriptionDeps {
  recognizer: Recognizer;
  /** Queues one window on the model's scheduler. */
  submit(job: WindowJob, options: { signal: AbortSignal; onStart: () => void }): Promise<{ output: WindowResult; stats: RunStats }>;
  /** Speech in the audio, or null when no VAD model is available (windows are then cut blindly). */
  findSpeech(samples: Float32Array, sampleRate: number, signal: AbortSignal): Promise<SpeechSegment[] | null>;
}

const roundMs = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** Each VAD chunk starts this much early, so the VAD's recurrent state has settled by the chunk's own start. */
const VAD_CONTEXT_SECONDS = 1;

async function* plannedWindows(audio: SamplesInput, maxSamples: number, deps: TranscriptionDeps, signal: AbortSignal): AsyncGenerator<SampleSpan> {
  const { samples, sampleRate } = audio;
  if (samples.length <= maxSamples) {
    yield { start: 0, end: samples.length };
    return;
  }
  const planner = new WindowPlanner(maxSamples);
  const context = Math.round(VAD_CONTEXT_SECONDS * sampleRate);
  for (let start = 0; start < samples.length; start += maxSamples) {
    const end = Math.min(samples.length, start + maxSamples);
    const from = Math.max(0, start - context);
    const speech = await deps.findSpeech(samples.subarray(from, end), sampleRate, signal);
    if (speech === null) {
      yield* fixedWindows(samples.length, maxSamples);
      return;
    }
    // What lies in the context was the previous chunk's to report.
    const spans = speechSpans(speech, sampleRate, from, end).map((s) => ({ start: Math.max(s.start, start), end: s.end }));
    yield* planner.add(spans, end);
  }
  yield* planner.finish();
}

/** Joins segment texts the way a reader expects: one space between, none doubled. */
export function joinSegments(segments: readonly TranscriptSegment[]): string {
  return segments
    .map((s) => s.text.trim())
    .filter((t) => t.length > 0)
    .join(' ');
}

export async function* transcriptionStream(audio: SamplesInput, deps: TranscriptionDeps, options: TranscribeOptions): AsyncGenerator<TranscriptionEvent> {
  const { samples, sampleRate } = audio;
  const { recognizer } = deps;
  // The consumer leaving (return()) must stop the window in flight as much as a caller's abort does.
  const controller = new AbortController();
  const forward = () => controller.abort(options.signal!.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });
  const { signal } = controller;
  const began = performance.now();
  let startedAt: number | undefined;
  const markStarted = () => {
    if (startedAt !== undefined) return;
    startedAt = performance.now();
    options.onStart?.();
  };
  try {
    throwIfAborted(signal);
    const maxSamples = Math.floor(recognizer.windowSeconds * sampleRate);
    // Finding the speech is the first part of the work: long audio is running from here.
    if (samples.length > maxSamples) markStarted();
    const segments: TranscriptSegment[] = [];
    const stats: RunStats = { queueMs: 0, computeMs: 0, batchSize: 1 };
    for await (const span of plannedWindows(audio, maxSamples, deps, signal)) {
      throwIfAborted(signal);
      const tokens = new EventChannel<TranscriptionEvent>();
      const job: WindowJob = {
        samples: samples.subarray(span.start, span.end),
        language: options.language,
        onToken: (text) => tokens.push({ type: 'token', text }),
      };
      const done = deps.submit(job, { signal, onStart: markStarted }).finally(() => tokens.end());
      // Observed here so a failure while tokens are still being read is not reported as unhandled.
      done.catch(() => undefined);
      for (let next = await tokens.next(); !next.done; next = await tokens.next()) yield next.value;
      const { output, stats: windowStats } = await done;
      stats.queueMs += windowStats.queueMs;
      stats.computeMs += windowStats.computeMs;
      const offset = span.start / sampleRate;
      for (const s of output.segments) {
        const text = s.text.trim();
        if (!text) continue;
        const segment = { start: roundMs(offset + s.start), end: roundMs(offset + s.end), text };
        segments.push(segment);
        yield { type: 'segment', segment };
      }
    }
    markStarted();
    const durationSeconds = samples.length / sampleRate;
    const wallSeconds = (performance.now() - (startedAt ?? began)) / 1000;
    yield {
      type: 'completed',
      text: joinSegments(segments),
      segments,
      durationSeconds,
      stats: { ...stats, realTimeFactor: durationSeconds > 0 ? wallSeconds / durationSeconds : 0 },
    };
  } finally {
    options.signal?.removeEventListener('abort', forward);
    if (!signal.aborted) controller.abort();
  }
}
