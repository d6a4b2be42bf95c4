/**
 * AUDIO or AUDIO_SEGMENTS → TEXT. The engine transcribes whole audio as it is, and after
 * DETECT_SPEECH each speech region on its own (one transcript line per region, times on
 * the whole recording's clock); this step only maps the events and records the outcome.
 */
import type { TranscriptionEvent } from '../../inference/types.js';
import type { TranscriptionResultShape } from '../../contracts/results.js';
import type { PipelineStepEvent } from '../types.js';
import { mediaRecord, type PipelineData, type StepKind, type StepResult } from './step.js';

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
    if (input.kind !== 'AUDIO' && input.kind !== 'AUDIO_SEGMENTS') throw new Error(`TRANSCRIBE cannot read ${input.kind}`);
    const submittedAt = Date.now();
    let firstOutputAt: Date | null = null;
    const events: AsyncIterable<TranscriptionEvent> = await env.engine.transcribe(step.model, input.media.bytes, {
      language: step.language,
      regions: input.kind === 'AUDIO_SEGMENTS' ? input.segments : undefined,
      signal: env.signal,
      onStart: () => env.onStart(),
    });
    for await (const event of events) {
      if (event.type === 'token') {
        yield { kind: 'token', step: step.index, text: event.text };
      } else if (event.type === 'segment') {
        firstOutputAt ??= new Date();
        yield { kind: 'segment', step: step.index, ...event.segment };
      } else {
        const { text, segments, durationSeconds, stats } = event;
        const { queueMs, computeMs, batchSize } = stats;
        const stored: TranscriptionResultShape = {
          kind: 'transcription',
          text,
          segments,
          durationSeconds,
          timings: {
            queueMs,
            computeMs,
            realTimeFactor: durationSeconds > 0 ? computeMs / 1000 / durationSeconds : 0,
            timeToFirstSegmentMs: firstOutputAt ? firstOutputAt.getTime() - submittedAt : null,
          },
        };
        const outcome = { queueMs, computeMs, batchSize, outputText: text, result: stored, firstOutputAt };
        return { data: { kind: 'TEXT', text, segments }, outcome };
      }
    }
    throw new Error('the transcription ended without a completion event');
  },
};
