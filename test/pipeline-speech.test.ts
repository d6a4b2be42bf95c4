/**
 * Speech pipelines through GraphQL over graphql-ws, on the tone-alphabet CTC fixture (its
 * transcript is known: the text the tones spell): a question goes through TRANSCRIBE into the
 * fixture LM; espeak-ng speech carrying tones (so the real Silero VAD hears speech) goes
 * through DETECT_SPEECH into TRANSCRIBE, one region at a time. On SQLite and PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/inference/media/audio.js';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { wsClient } from './support/client.js';
import { ofType, pipelineRows, runPipelineWs } from './support/pipelines.js';
import { CTC_FRAME, CTC_RATE, toneText, writeCtcModel } from './fixtures/asr/ctc-model.js';
import { runTool, wavefileWav } from './fixtures/media/signals.js';

let models: TestModels;
let server: TestServer;
let work: string;
let sentence: Float32Array;

/** espeak-ng speaking `text` at 16 kHz, scaled to a 0.3 peak (the CTC fixture hears it as blank). */
async function spoken(text: string): Promise<Float32Array> {
  const file = path.join(work, 'speech.wav');
  runTool('espeak-ng', ['-w', file, text]);
  const { samples } = await decodeAudio(readFileSync(file), { targetSampleRate: CTC_RATE, maxSeconds: 60 });
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  return samples.map((v) => (v / peak) * 0.3);
}

/** Speech blocks at `starts` (seconds) in `total` seconds of silence, each carrying `words[i]` in tones 0.4 s in. */
function scene(total: number, starts: number[], words: string[]) {
  const audio = new Float32Array(total * CTC_RATE);
  const placed = starts.map((start, i) => {
    const at = Math.round((start * CTC_RATE) / CTC_FRAME) * CTC_FRAME;
    audio.set(sentence, at);
    const tones = toneText(words[i]);
    const toneAt = at + 20 * CTC_FRAME;
    for (let n = 0; n < tones.length; n += 1) audio[toneAt + n] += tones[n];
    return { speech: { start: at / CTC_RATE, end: (at + sentence.length) / CTC_RATE }, tones: toneAt / CTC_RATE, text: words[i] };
  });
  const wav = Buffer.from(wavefileWav([Float64Array.from(audio)], CTC_RATE, '16')).toString('base64');
  return { wav, placed };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'tessera-pipeline-speech-'));
  models = await createTestModels({ lm: { maxPositions: 512 }, real: ['silero-vad'] });
  await writeCtcModel(models.dir);
  sentence = await spoken('The invoice was paid on Tuesday morning.');
});

afterAll(async () => {
  models?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

// The pipeline and its step rows on both databases the server supports.
describe.each(['sqlite', 'postgres'] as const)('on %s', (database) => {
  beforeAll(async () => {
    server = await startTestServer({ modelsDir: models.dir, database });
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('speech → text → generation', () => {
    it('asks a question by voice and streams the answer; the transcript fills the template', async () => {
      // The question in tones alone: the fixture recogniser spells tones, whatever speech is around them.
      const question = toneText('WHAT TIME IS IT');
      const audio = new Float32Array(question.length + CTC_RATE);
      audio.set(question, CTC_RATE / 2);
      const wav = Buffer.from(wavefileWav([Float64Array.from(audio)], CTC_RATE, '16')).toString('base64');
      const client = wsClient(server.wsUrl);
      try {
        const { events, errors } = await runPipelineWs(client, {
          steps: [
            { task: 'TRANSCRIBE', model: 'tiny-ctc', language: 'en' },
            { task: 'GENERATE', template: 'Question: {{input}}\nAnswer:', generation: { maxTokens: 10 } },
          ],
          inputs: { audio: { base64: wav } },
        });
        expect(errors).toEqual([]);
        const [transcribed, answered] = ofType(events, 'PipelineStepCompleted');
        expect(transcribed).toMatchObject({ step: 0, task: 'TRANSCRIBE', output: { kind: 'TEXT', text: 'WHAT TIME IS IT' } });
        expect(transcribed.output.segments!.map((s) => s.text).join(' ')).toBe('WHAT TIME IS IT');
        const segmentEvents = ofType(events, 'PipelineStepSegment');
        expect(segmentEvents.length).toBeGreaterThan(0);
        expect(segmentEvents.every((s) => s.step === 0)).toBe(true);
        const answer = ofType(events, 'PipelineToken')
          .filter((t) => t.step === 1)
          .map((t) => t.text)
          .join('');
        expect(answered.output.text).toBe(answer);
        const [completed] = ofType(events, 'PipelineCompleted');
        expect(completed.output.text).toBe(answer);
        const [asr, generation] = completed.stepRequests;
        expect(asr).toMatchObject({
          task: 'SPEECH_RECOGNITION',
          model: 'tiny-ctc',
          status: 'COMPLETED',
          outputText: 'WHAT TIME IS IT',
          result: { __typename: 'TranscriptionResult' },
        });
        expect(asr.artifacts.map((a) => a.role)).toEqual(['input']);
        expect(generation).toMatchObject({ task: 'TEXT_GENERATION', status: 'COMPLETED', inputText: 'Question: WHAT TIME IS IT\nAnswer:' });
        const { parent } = await pipelineRows(server, completed.requestId);
        expect(parent).toMatchObject({ task: 'PIPELINE', status: 'COMPLETED', inputModalities: 'AUDIO' });
      } finally {
        await client.dispose();
      }
    });
  });

  describe('speech → VAD segments → transcription', () => {
    it('transcribes each speech region on its own, with times on the whole recording', async () => {
      const { wav, placed } = scene(14, [1, 8], ['SALT', 'COIN']);
      const client = wsClient(server.wsUrl);
      try {
        const { events, errors } = await runPipelineWs(client, {
          steps: [{ task: 'DETECT_SPEECH' }, { task: 'TRANSCRIBE', model: 'tiny-ctc' }],
          inputs: { audio: { base64: wav } },
        });
        expect(errors).toEqual([]);
        const [regions, transcript] = ofType(events, 'PipelineStepCompleted');
        expect(regions.output.kind).toBe('AUDIO_SEGMENTS');
        expect(regions.output.text).toBeNull();
        const found = regions.output.segments!;
        expect(found).toHaveLength(2);
        found.forEach((region, i) => {
          expect(region.text).toBeNull();
          // Each region holds its utterance's tones.
          expect(region.start).toBeLessThanOrEqual(placed[i].tones);
          expect(region.end).toBeGreaterThan(placed[i].tones + 0.3);
        });
        expect(transcript.output).toMatchObject({ kind: 'TEXT', text: 'SALT\nCOIN' });
        const segments = transcript.output.segments!;
        expect(segments.map((s) => s.text)).toEqual(['SALT', 'COIN']);
        segments.forEach((segment, i) => {
          // Shifted back onto the recording's clock: within two CTC frames of where the tones are.
          expect(Math.abs(segment.start - placed[i].tones)).toBeLessThanOrEqual((2 * CTC_FRAME) / CTC_RATE + 1e-9);
          expect(segment.start).toBeGreaterThanOrEqual(found[i].start);
          expect(segment.end).toBeLessThanOrEqual(found[i].end + 1e-9);
        });
        const [completed] = ofType(events, 'PipelineCompleted');
        const [vad, asr] = completed.stepRequests;
        expect(vad).toMatchObject({ task: 'VAD', status: 'COMPLETED', model: 'silero-vad', result: { __typename: 'SpeechDetectionResult' } });
        expect(asr).toMatchObject({ task: 'SPEECH_RECOGNITION', status: 'COMPLETED', outputText: 'SALT\nCOIN' });
        expect((asr.parameters as { regions: unknown[] }).regions).toHaveLength(2);
        expect(asr.artifacts[0]?.artifact.id).toBe(vad.artifacts[0]?.artifact.id);
      } finally {
        await client.dispose();
      }
    });

    it('corrupt audio fails the VAD step; the pipeline is FAILED naming step 0 and transcription never starts', async () => {
      // A RIFF/WAVE header that promises PCM samples and then holds none that parse.
      const header = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00junk', 'latin1');
      const client = wsClient(server.wsUrl);
      try {
        const { events } = await runPipelineWs(client, {
          steps: [{ task: 'DETECT_SPEECH' }, { task: 'TRANSCRIBE', model: 'tiny-ctc' }],
          inputs: { audio: { base64: Buffer.concat([header, Buffer.alloc(32, 1)]).toString('base64') } },
        });
        const [failed] = ofType(events, 'PipelineFailed');
        expect(failed).toMatchObject({ status: 'FAILED', failedStep: 0, failedTask: 'DETECT_SPEECH' });
        const { parent, steps } = await pipelineRows(server, failed.requestId);
        expect(parent!.status).toBe('FAILED');
        expect(steps.map((s) => [s.task, s.status, s.errorCode])).toEqual([['VAD', 'FAILED', failed.error.code]]);
      } finally {
        await client.dispose();
      }
    });
  });
});
