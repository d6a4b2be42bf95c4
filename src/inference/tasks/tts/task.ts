/**
 * TEXT_TO_SPEECH: text in, speech out sentence by sentence. Each sentence is one job on the
 * model's queue, so concurrent requests interleave sentence by sentence and each client hears
 * its first sentence after one sentence of work, not after the others' whole texts.
 */
import { Scheduler } from '../../scheduler/scheduler.js';
import type { OnnxRunner, SpeechAudioChunk, SpeechOptions } from '../../types.js';
import { bindPooled } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { openSpeechModel } from './open.js';
import { splitSentences } from './sentences.js';
import { checkSpeed, prepareSynthesis } from './synthesize.js';
import type { SentenceOptions, SpeechModel } from './types.js';

interface SentenceJob {
  sentence: string;
  options: SentenceOptions;
}

export interface SpeechServing extends Serving {
  task: 'TEXT_TO_SPEECH';
  scheduler: Scheduler<SentenceJob, Float32Array>;
  voice: SpeechModel;
}

export const textToSpeechTask = defineTask({
  task: 'TEXT_TO_SPEECH',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened: { pool, files }, queue }) => {
      const { name } = context.entry.manifest;
      const graphs: Record<string, OnnxRunner> = Object.fromEntries(Object.keys(pool.metadata).map((key) => [key, pool.runner(key, `${name}/${key}`)]));
      const voice = await openSpeechModel({ files, graphs });
      const scheduler = new Scheduler<SentenceJob, Float32Array>({
        ...queue(false),
        run: async ([job], signal) => {
          const both = job.options.signal ? AbortSignal.any([job.options.signal, signal]) : signal;
          return [await voice.synthesizeSentence(job.sentence, { ...job.options, signal: both })];
        },
      });
      return { task: 'TEXT_TO_SPEECH' as const, scheduler, voice };
    }),

  /**
   * The text, speed and voice are checked before this returns (text and speed before the model
   * loads); the sentences are synthesized as the returned stream is read.
   */
  async speak(call: TaskCall<SpeechServing>, text: string, options: SpeechOptions): Promise<AsyncIterable<SpeechAudioChunk>> {
    splitSentences(text);
    checkSpeed(options.speed);
    const { voice, scheduler } = await call.serving();
    const { sentences, sentenceOptions } = prepareSynthesis(voice, text, options);
    return speakSentences(scheduler, voice.sampleRate, sentences, sentenceOptions, options);
  },
});

async function* speakSentences(
  scheduler: SpeechServing['scheduler'],
  sampleRate: number,
  sentences: string[],
  sentenceOptions: SentenceOptions,
  options: SpeechOptions,
): AsyncGenerator<SpeechAudioChunk> {
  for (const [sequence, sentence] of sentences.entries()) {
    const { output, stats } = await scheduler.submit({ sentence, options: sentenceOptions }, { signal: options.signal, onStart: options.onStart });
    yield { sequence, text: sentence, samples: output, sampleRate, stats };
  }
}
