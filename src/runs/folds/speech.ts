/**
 * Speech synthesis as a stream fold: each sentence's audio goes into the run's log as base64
 * PCM16 as soon as it is made; the stored WAV and the timings go into the row. A failure ends
 * the log with a `failed` event that the GraphQL stream turns back into its error. The tally
 * is shared with the pipeline's SPEAK step, whose child row records the same result.
 */
import type { StoredArtifact } from '../../db/artifact-store.js';
import type { RequestOutcome } from '../../db/request-store.js';
import type { SpeechResultShape, SpeechTimingsShape } from '../../contracts/results.js';
import type { SpeechEventShape, SpeechLogEvent } from '../../contracts/events.js';
import { concatSamples, encodeWav, toPcm16 } from '../../inference/media/wav-encode.js';
import type { SpeechAudioChunk } from '../../inference/types.js';
import { untilFailed, type StreamFold } from '../stream-fold.js';

/** A sentence of audio, or the whole recording once it is stored. */
export type SpeechProgress = { kind: 'chunk'; chunk: SpeechAudioChunk } | { kind: 'stored'; audio: StoredArtifact; sampleRate: number; durationSeconds: number };

export function pcm16Base64(samples: Float32Array): string {
  const pcm = toPcm16(samples);
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64');
}

/** What a synthesis adds up to as its chunks arrive: the text spoken, the timings, the samples. */
export class SpeechTally {
  private readonly submittedAt = Date.now();
  private readonly parts: Float32Array[] = [];
  private readonly spoken: string[] = [];
  firstOutputAt: Date | null = null;
  queueMs = 0;
  computeMs = 0;
  sampleRate = 0;

  add(chunk: SpeechAudioChunk): void {
    this.firstOutputAt ??= new Date();
    if (this.parts.length === 0) this.queueMs = chunk.stats.queueMs;
    this.computeMs += chunk.stats.computeMs;
    this.sampleRate = chunk.sampleRate;
    this.parts.push(chunk.samples);
    this.spoken.push(chunk.text);
  }

  get text(): string {
    return this.spoken.join(' ');
  }

  /** What the row keeps if the run stops part-way. */
  get partial(): RequestOutcome {
    return { outputText: this.text, firstOutputAt: this.firstOutputAt, queueMs: this.queueMs, computeMs: this.computeMs };
  }

  /** The whole recording as a WAV file. */
  wav(): { bytes: Uint8Array; sampleRate: number; durationSeconds: number } {
    const samples = concatSamples(this.parts);
    return { bytes: encodeWav(samples, this.sampleRate), sampleRate: this.sampleRate, durationSeconds: samples.length / this.sampleRate };
  }

  timings(durationSeconds: number): SpeechTimingsShape {
    return {
      queueMs: this.queueMs,
      computeMs: this.computeMs,
      timeToFirstAudioMs: this.firstOutputAt ? this.firstOutputAt.getTime() - this.submittedAt : null,
      realTimeFactor: durationSeconds > 0 ? this.computeMs / 1000 / durationSeconds : 0,
    };
  }

  /** The row's final columns once the recording is stored as `audioId`. */
  outcome(audioId: string, voice: string | null, durationSeconds: number): { stored: SpeechResultShape; outcome: RequestOutcome } {
    const stored: SpeechResultShape = {
      kind: 'speech',
      audioId,
      voice,
      sampleRate: this.sampleRate,
      durationSeconds,
      chunks: this.parts.length,
      timings: this.timings(durationSeconds),
    };
    return { stored, outcome: { ...this.partial, result: stored, batchSize: 1, outputArtifactIds: [audioId] } };
  }
}

export function speechFold(model: string, voice: string | null, tally: SpeechTally): StreamFold<SpeechProgress, SpeechLogEvent> {
  return {
    opening: (row) => ({ kind: 'started', requestId: row.id, model }),
    step(event, run, row) {
      if (event.kind === 'chunk') {
        const { chunk } = event;
        run.keep(tally.partial);
        return { publish: { kind: 'chunk', sequence: chunk.sequence, samples: pcm16Base64(chunk.samples), sampleRate: chunk.sampleRate, text: chunk.text } };
      }
      const { audio, sampleRate, durationSeconds } = event;
      const { stored, outcome } = tally.outcome(audio.id, voice, durationSeconds);
      return {
        publish: { kind: 'completed', requestId: row.id, audio, sampleRate, durationSeconds, timings: stored.timings },
        ending: { status: 'COMPLETED', outcome },
      };
    },
    broken: (failure) => ({ publish: { kind: 'failed', error: failure } }),
  };
}

/** The log as GraphQL events; a failed run ends the stream with its error. */
export const speechShapes = (events: AsyncIterable<SpeechLogEvent>): AsyncGenerator<SpeechEventShape> => untilFailed<SpeechEventShape>(events);
