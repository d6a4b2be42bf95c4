/** VAD: audio in, the stretches that hold speech out; one clip per run on a recurrent graph. */
import { badInput } from '../../../errors.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { RunOptions, SpeechSegment, VadResult } from '../../types.js';
import { bindPooled } from '../pooled.js';
import { numberSetting } from '../queue-options.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { detectSpeech } from './detect.js';

interface VadJob {
  samples: Float32Array;
  sampleRate: number;
  threshold?: number;
}

export interface VadServing extends Serving {
  task: 'VAD';
  scheduler: Scheduler<VadJob, SpeechSegment[]>;
}

const TUNING = ['threshold', 'minSpeechMs', 'minSilenceMs', 'speechPadMs'] as const;

function tuningFrom(settings: Record<string, unknown>): Partial<Record<(typeof TUNING)[number], number>> {
  return Object.fromEntries(TUNING.flatMap((key) => (typeof settings[key] === 'number' && Number.isFinite(settings[key]) ? [[key, settings[key]]] : [])));
}

/** The rate the model hears at, known from the manifest before the model loads. */
const sampleRateOf = (settings: Record<string, unknown> | undefined) => numberSetting(settings ?? {}, 'sampleRate', 16000);

export const vadTask = defineTask({
  task: 'VAD',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened: { pool }, queue }) => {
      const { name, settings } = context.entry.manifest;
      const [key] = Object.keys(pool.metadata);
      const runner = pool.runner(key, `${name}/${key}`);
      const tuning = tuningFrom(settings);
      const scheduler = new Scheduler<VadJob, SpeechSegment[]>({
        ...queue(false),
        run: async ([job], signal) => [
          await detectSpeech(job.samples, job.sampleRate, runner, { ...tuning, threshold: job.threshold ?? tuning.threshold, signal }),
        ],
      });
      return { task: 'VAD' as const, scheduler };
    }),

  async detectSpeech(call: TaskCall<VadServing>, audio: Uint8Array, options: RunOptions & { threshold?: number }): Promise<VadResult> {
    const { threshold } = options;
    if (threshold !== undefined && !(threshold > 0 && threshold < 1)) {
      throw badInput(`threshold must be between 0 and 1 (exclusive), got ${threshold}.`, { threshold });
    }
    const decoded = await call.decodeAudio(audio, sampleRateOf(call.manifest?.settings));
    const { output, stats } = await (await call.serving()).scheduler.submit(
      { samples: decoded.samples, sampleRate: decoded.sampleRate, threshold },
      options,
    );
    return { segments: output, durationSeconds: decoded.durationSeconds, sampleRate: decoded.sampleRate, stats };
  },

  /** Speech in samples another task already holds (ASR cutting long audio), with the model's own tuning. */
  async speechIn(serving: VadServing, samples: Float32Array, sampleRate: number, signal: AbortSignal): Promise<SpeechSegment[]> {
    return (await serving.scheduler.submit({ samples, sampleRate }, { signal })).output;
  },
});
