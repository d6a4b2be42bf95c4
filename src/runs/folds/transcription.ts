/**
 * Transcription as a stream fold: segments and partial tokens into the run's log, the
 * completion into the row. A failure ends the log with a `failed` event that the GraphQL
 * stream turns back into its error.
 */
import type { RequestRow } from '../../db/request-store.js';
import type { TranscriptionEvent, TranscriptSegment } from '../../inference/types.js';
import type { TranscriptionResultShape } from '../../contracts/results.js';
import type { TranscriptionEventShape, TranscriptionFailedShape, TranscriptionLogEvent } from '../../contracts/events.js';
import { TesseraError } from '../../errors.js';
import { untilFailed, type StreamFold } from '../stream-fold.js';

export function transcriptionFold(model: string): StreamFold<TranscriptionEvent, TranscriptionLogEvent> {
  const segments: TranscriptSegment[] = [];
  let firstOutputAt: Date | null = null;
  const submittedAt = Date.now();
  return {
    opening: (row) => ({ kind: 'started', requestId: row.id, model }),
    step(event, run, row) {
      if (event.type === 'token') return { publish: { kind: 'token', text: event.text } };
      if (event.type === 'segment') {
        firstOutputAt ??= new Date();
        segments.push(event.segment);
        run.keep({ outputText: segments.map((s) => s.text).join(' ') || null, firstOutputAt });
        return { publish: { kind: 'segment', ...event.segment } };
      }
      const { queueMs, computeMs, realTimeFactor, batchSize } = event.stats;
      const timeToFirstSegmentMs = firstOutputAt ? firstOutputAt.getTime() - submittedAt : null;
      const stored: TranscriptionResultShape = {
        kind: 'transcription',
        text: event.text,
        segments: event.segments,
        durationSeconds: event.durationSeconds,
        timings: { queueMs, computeMs, realTimeFactor, timeToFirstSegmentMs },
      };
      return {
        publish: { ...stored, kind: 'completed', requestId: row.id },
        ending: { status: 'COMPLETED', outcome: { outputText: event.text, result: stored, queueMs, computeMs, batchSize, firstOutputAt } },
      };
    },
    broken: (failure) => ({ publish: { kind: 'failed', error: failure } }),
  };
}

/** Partial tokens of the segment being heard: the row keeps the segments only. */
export const isTranscriptionPreview = (event: TranscriptionLogEvent) => event.kind === 'token';

/** The log as GraphQL events; a failed run ends the stream with its error. */
/** The events as subscribers see them (sequence numbers included): a `failed` entry ends the stream with its error. */
export function transcriptionShapes<E extends TranscriptionLogEvent>(events: AsyncIterable<E>): AsyncGenerator<Exclude<E, TranscriptionFailedShape>> {
  return untilFailed<Exclude<E, TranscriptionFailedShape>>(events as AsyncIterable<Exclude<E, TranscriptionFailedShape> | TranscriptionFailedShape>);
}

/** A finished transcription told again from its row; a failed or cancelled one as its error. */
export async function* replayTranscription(row: RequestRow): AsyncGenerator<TranscriptionEventShape> {
  if (row.status === 'FAILED' || row.status === 'CANCELLED') {
    throw new TesseraError(row.status === 'CANCELLED' ? 'CANCELLED' : 'INFERENCE_FAILED', row.errorMessage ?? `The transcription ${row.status.toLowerCase()}.`, {
      requestId: row.id,
      code: row.errorCode,
    });
  }
  const result = row.result as TranscriptionResultShape | null;
  yield { kind: 'started', requestId: row.id, model: row.model };
  for (const segment of result?.segments ?? []) yield { kind: 'segment', ...segment };
  if (result) yield { ...result, kind: 'completed', requestId: row.id };
}
