/**
 * AUDIO or AUDIO_SEGMENTS → TEXT. Whole audio goes to the speech recogniser as it is; after
 * DETECT_SPEECH the audio is decoded once and each speech region is transcribed on its own,
 * its segment times shifted back onto the whole recording's clock.
 */
import { decodeAudio } from '../../inference/media/audio.js';
import type { SpeechSegment, TranscriptionEvent, TranscriptSegment, TranscriptionStats } from '../../inference/types.js';
import type { TranscriptionResultShape } from '../../contracts/results.js';
import type { PipelineStepEvent, PlannedStep } from '../types.js';
import { mediaRecord, type PipelineData, type StepEnv, type StepKind, type StepResult } from './step.js';

/** The rate regions are cut at; the engine brings samples to the recogniser's own rate. */
const CUT_SAMPLE_RATE = 16000;

interface Transcript {
  text: string;
  segments: TranscriptSegment[];
  durationSeconds: number;
  stats: TranscriptionStats | null;
}

async function* transcribeOnce(
  step: PlannedStep,
  audio: Parameters<StepEnv['engine']['transcribe']>[1],
  offset: number,
  env: StepEnv,
  onStart: () => void,
): AsyncGenerator<PipelineStepEvent, Transcript> {
  const events: AsyncIterable<TranscriptionEvent> = await env.engine.transcribe(step.model, audio, {
    language: step.language,
    signal: env.signal,
    onStart,
  });
  for await (const event of events) {
    if (event.type === 'token') {
      yield { kind: 'token', step: step.index, text: event.text };
    } else if (event.type === 'segment') {
      const { start, end, text } = event.segment;
      yield { kind: 'segment', step: step.index, start: start + offset, end: end + offset, text };
    } else {
      const segments = event.segments.map((s) => ({ ...s, start: s.start + offset, end: s.end + offset }));
      return { text: event.text, segments, durationSeconds: event.durationSeconds, stats: event.stats };
    }
  }
  throw new Error('the transcription ended without a completion event');
}

async function* transcribeWhole(
  step: PlannedStep,
  bytes: Uint8Array,
  env: StepEnv,
  onStart: () => void,
): AsyncGenerator<PipelineStepEvent, Transcript[]> {
  return [yield* transcribeOnce(step, bytes, 0, env, onStart)];
}

async function* transcribeRegions(
  step: PlannedStep,
  bytes: Uint8Array,
  regions: SpeechSegment[],
  env: StepEnv,
  onStart: () => void,
): AsyncGenerator<PipelineStepEvent, Transcript[]> {
  if (regions.length === 0) return [];
  const { samples, durationSeconds } = await decodeAudio(bytes, { targetSampleRate: CUT_SAMPLE_RATE, maxSeconds: env.maxAudioSeconds });
  const parts: Transcript[] = [];
  for (const region of regions) {
    const from = Math.max(0, Math.floor(region.start * CUT_SAMPLE_RATE));
    const to = Math.min(samples.length, Math.ceil(region.end * CUT_SAMPLE_RATE));
    if (to <= from) continue;
    const part = yield* transcribeOnce(step, { samples: samples.slice(from, to), sampleRate: CUT_SAMPLE_RATE }, from / CUT_SAMPLE_RATE, env, onStart);
    parts.push({ ...part, durationSeconds });
  }
  return parts;
}

function combine(parts: Transcript[]): { text: string; segments: TranscriptSegment[]; stats: Partial<TranscriptionStats> } {
  const stats = parts.map((p) => p.stats).filter((s) => s !== null);
  return {
    text: parts.map((p) => p.text.trim()).filter(Boolean).join('\n'),
    segments: parts.flatMap((p) => p.segments),
    stats: stats.length
      ? {
          queueMs: stats[0].queueMs,
          computeMs: stats.reduce((sum, s) => sum + s.computeMs, 0),
          batchSize: Math.max(...stats.map((s) => s.batchSize)),
        }
      : {},
  };
}

export const transcribeStep: StepKind = {
  engineTask: 'SPEECH_RECOGNITION',
  accepts: ['AUDIO', 'AUDIO_SEGMENTS'],
  produces: 'TEXT',
  options: ['language'],
  record: (step, input) => {
    const media = (input as Extract<PipelineData, { media: unknown }>).media;
    return {
      parameters: {
        ...(step.language === undefined ? {} : { language: step.language }),
        ...(input.kind === 'AUDIO_SEGMENTS' ? { regions: input.segments } : {}),
      },
      inputModalities: input.kind === 'AUDIO_SEGMENTS' ? ['AUDIO', 'SEGMENTS'] : ['AUDIO'],
      ...mediaRecord(media),
    };
  },
  async *run(step, input, env): AsyncGenerator<PipelineStepEvent, StepResult> {
    let started = false;
    const onStart = () => {
      if (!started) env.onStart();
      started = true;
    };
    const submittedAt = Date.now();
    let firstOutputAt: Date | null = null;
    const source =
      input.kind === 'AUDIO'
        ? transcribeWhole(step, input.media.bytes, env, onStart)
        : input.kind === 'AUDIO_SEGMENTS'
          ? transcribeRegions(step, input.media.bytes, input.segments, env, onStart)
          : null;
    if (!source) throw new Error(`TRANSCRIBE cannot read ${input.kind}`);
    let next = await source.next();
    while (!next.done) {
      if (next.value.kind === 'segment') firstOutputAt ??= new Date();
      yield next.value;
      next = await source.next();
    }
    const parts = next.value;
    const { text, segments, stats } = combine(parts);
    const durationSeconds = parts[0]?.durationSeconds ?? 0;
    const computeMs = stats.computeMs ?? 0;
    const stored: TranscriptionResultShape = {
      kind: 'transcription',
      text,
      segments,
      durationSeconds,
      timings: {
        queueMs: stats.queueMs ?? 0,
        computeMs,
        realTimeFactor: durationSeconds > 0 ? computeMs / 1000 / durationSeconds : 0,
        timeToFirstSegmentMs: firstOutputAt ? firstOutputAt.getTime() - submittedAt : null,
      },
    };
    return { data: { kind: 'TEXT', text, segments }, outcome: { ...stats, outputText: text, result: stored, firstOutputAt } };
  },
};
