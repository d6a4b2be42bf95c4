/** AUDIO → AUDIO_SEGMENTS: the VAD model finds the speech; the audio travels on with its regions. */
import type { SpeechDetectionShape } from '../../contracts/results.js';
import { expectKind, mediaRecord, type StepKind } from './step.js';

export const detectSpeechStep: StepKind = {
  engineTask: 'VAD',
  accepts: ['AUDIO'],
  produces: 'AUDIO_SEGMENTS',
  options: ['threshold'],
  record: (step, input) => ({
    parameters: step.threshold === undefined ? {} : { threshold: step.threshold },
    inputModalities: ['AUDIO'],
    ...mediaRecord(expectKind(input, 'AUDIO').media),
  }),
  async *run(step, input, env) {
    const { media } = expectKind(input, 'AUDIO');
    const { stats, ...result } = await env.engine.detectSpeech(step.model, media.bytes, {
      signal: env.signal,
      onStart: () => env.onStart(),
      threshold: step.threshold,
    });
    const stored: SpeechDetectionShape = { kind: 'vad', ...result };
    return { data: { kind: 'AUDIO_SEGMENTS', media, segments: result.segments }, outcome: { ...stats, result: stored } };
  },
};
