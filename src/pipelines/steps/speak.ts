/**
 * TEXT → AUDIO: the previous step's text is spoken by a TEXT_TO_SPEECH model in its default
 * voice, and the recording is stored as a WAV artifact for the pipeline's caller. The text
 * is only known when the previous step has run, so its checks (empty, too long) fail the step.
 */
import { SpeechTally } from '../../runs/folds/speech.js';
import { expectKind, type StepKind } from './step.js';

export const speakStep: StepKind = {
  engineTask: 'TEXT_TO_SPEECH',
  accepts: ['TEXT'],
  produces: 'AUDIO',
  options: [],
  record: (_step, input) => ({ parameters: {}, inputModalities: ['TEXT'], inputText: expectKind(input, 'TEXT').text }),
  async *run(step, input, env) {
    const tally = new SpeechTally();
    const chunks = await env.engine.speak(step.model, expectKind(input, 'TEXT').text, { signal: env.signal, onStart: () => env.onStart() });
    for await (const chunk of chunks) tally.add(chunk);
    const { bytes, durationSeconds } = tally.wav();
    const artifactId = await env.storeMedia(bytes);
    return { data: { kind: 'AUDIO', media: { bytes, artifactId } }, outcome: tally.outcome(artifactId, null, durationSeconds).outcome };
  },
};
