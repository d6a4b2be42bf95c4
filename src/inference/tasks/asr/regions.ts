/**
 * Transcription of speech regions found before (a pipeline's DETECT_SPEECH step): each
 * region is transcribed on its own, its times shifted back onto the whole recording's
 * clock, and the transcript keeps one line per region, so a reader sees where speech paused.
 */
import type { SamplesInput, SpeechSegment, TranscribeOptions, TranscriptionEvent, TranscriptSegment } from '../../types.js';
import { transcriptionStream, type TranscriptionDeps } from './stream.js';

const roundMs = (seconds: number) => Math.round(seconds * 1000) / 1000;

export async function* regionTranscription(
  audio: SamplesInput,
  regions: readonly SpeechSegment[],
  deps: TranscriptionDeps,
  options: TranscribeOptions,
): AsyncGenerator<TranscriptionEvent> {
  const { samples, sampleRate } = audio;
  const began = performance.now();
  let started = false;
  const onStart = () => {
    if (!started) options.onStart?.();
    started = true;
  };
  const lines: string[] = [];
  const segments: TranscriptSegment[] = [];
  const stats = { queueMs: 0, computeMs: 0, batchSize: 1 };
  for (const region of regions) {
    const from = Math.max(0, Math.floor(region.start * sampleRate));
    const to = Math.min(samples.length, Math.ceil(region.end * sampleRate));
    if (to <= from) continue;
    const offset = from / sampleRate;
    const shift = (s: TranscriptSegment) => ({ ...s, start: roundMs(s.start + offset), end: roundMs(s.end + offset) });
    const part = { samples: samples.subarray(from, to), sampleRate };
    for await (const event of transcriptionStream(part, deps, { ...options, onStart })) {
      if (event.type === 'token') yield event;
      else if (event.type === 'segment') yield { type: 'segment', segment: shift(event.segment) };
      else {
        if (event.text.trim()) lines.push(event.text.trim());
        segments.push(...event.segments.map(shift));
        stats.queueMs += event.stats.queueMs;
        stats.computeMs += event.stats.computeMs;
        stats.batchSize = Math.max(stats.batchSize, event.stats.batchSize);
      }
    }
  }
  onStart();
  const durationSeconds = samples.length / sampleRate;
  const wallSeconds = (performance.now() - began) / 1000;
  yield {
    type: 'completed',
    text: lines.join('\n'),
    segments,
    durationSeconds,
    stats: { ...stats, realTimeFactor: durationSeconds > 0 ? wallSeconds / durationSeconds : 0 },
  };
}
