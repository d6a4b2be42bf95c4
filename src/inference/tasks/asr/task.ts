/**
 * SPEECH_RECOGNITION, and the one place speech detection and recognition meet: audio
 * longer than the recogniser's window is cut at the boundaries the repository's VAD model
 * finds, and regions found earlier (a pipeline's DETECT_SPEECH) are transcribed one by one.
 */
import { isCancellation } from '../../../errors.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { SamplesInput, TranscribeOptions, TranscriptionEvent } from '../../types.js';
import { bindPooled } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { vadTask } from '../vad/task.js';
import { openRecognizer } from './recognizer.js';
import { regionTranscription } from './regions.js';
import { samplesAt } from './samples.js';
import { transcriptionStream, type TranscriptionDeps } from './stream.js';
import type { Recognizer, WindowJob, WindowResult } from './types.js';

export interface AsrServing extends Serving {
  task: 'SPEECH_RECOGNITION';
  scheduler: Scheduler<WindowJob, WindowResult>;
  recognizer: Recognizer;
}

/** Speech boundaries from the VAD model, or null (fixed windows) when there is none or it cannot load. */
async function findSpeech(call: TaskCall<AsrServing>, samples: Float32Array, sampleRate: number, signal: AbortSignal) {
  try {
    const vad = await call.peer(vadTask, signal);
    return vad ? await vadTask.speechIn(vad, samples, sampleRate, signal) : null;
  } catch (error) {
    if (isCancellation(error)) throw error;
    // A broken VAD model costs the windows their speech boundaries, not the transcription.
    const reason = error instanceof Error ? error.message : String(error);
    call.logger.warn({ reason }, 'transcription: VAD model unavailable; fixed windows');
    return null;
  }
}

export const speechRecognitionTask = defineTask({
  task: 'SPEECH_RECOGNITION',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened, queue }) => {
      const recognizer = await openRecognizer(context.entry.manifest, opened);
      const scheduler = new Scheduler<WindowJob, WindowResult>({
        ...queue(false),
        run: async ([job], signal) => [await recognizer.transcribeWindow(job, signal)],
      });
      return { task: 'SPEECH_RECOGNITION' as const, scheduler, recognizer };
    }),

  /**
   * The audio is decoded (or, for samples, checked) and the language checked before this
   * resolves; the stream decodes window by window when read.
   */
  async transcribe(call: TaskCall<AsrServing>, audio: Uint8Array | SamplesInput, options: TranscribeOptions): Promise<AsyncIterable<TranscriptionEvent>> {
    const { recognizer, scheduler } = await call.serving();
    recognizer.checkLanguage(options.language);
    const decoded =
      audio instanceof Uint8Array ? await call.decodeAudio(audio, recognizer.sampleRate) : samplesAt(audio, recognizer.sampleRate, call.maxAudioSeconds);
    const deps: TranscriptionDeps = {
      recognizer,
      submit: (job, o) => scheduler.submit(job, o),
      findSpeech: (samples, sampleRate, signal) => findSpeech(call, samples, sampleRate, signal),
    };
    return options.regions ? regionTranscription(decoded, options.regions, deps, options) : transcriptionStream(decoded, deps, options);
  },
});
