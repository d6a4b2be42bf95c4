/** What a transcription stream adds up to on the page, folded event by event. */
import type { TranscribeStreamSubscription } from '../../gql/graphql';
import type { StreamStatus } from '../../lib/use-stream';

export interface TranscriptionView {
  done: boolean;
  requestId?: string;
  model?: string;
  segments: { start: number; end: number; text: string }[];
  text?: string;
  durationSeconds?: number;
  computeMs?: number;
  realTimeFactor?: number;
  firstSegmentMs?: number | null;
}

type Event = TranscribeStreamSubscription['transcribe'];

export function foldTranscription(view: TranscriptionView, event: Event, appendToken: (text: string) => void): void {
  switch (event.__typename) {
    case 'TranscriptionStarted':
      Object.assign(view, { requestId: event.requestId, model: event.model });
      break;
    case 'TranscriptionSegment':
      view.segments = [...view.segments, { start: event.start, end: event.end, text: event.text }];
      break;
    case 'TranscriptionToken':
      appendToken(event.text);
      break;
    case 'TranscriptionCompleted':
      Object.assign(view, {
        done: true,
        requestId: event.requestId,
        text: event.text,
        segments: event.segments,
        durationSeconds: event.durationSeconds,
        computeMs: event.timings.computeMs,
        realTimeFactor: event.timings.realTimeFactor,
        firstSegmentMs: event.timings.timeToFirstSegmentMs,
      });
      break;
  }
}

/** The word the summary line starts with (and its data-phase). */
export function phaseOf(view: TranscriptionView, status: StreamStatus): string {
  if (status === 'preparing') return 'uploading';
  if (status === 'failed' || status === 'stopped') return 'failed';
  return view.done ? 'done' : 'streaming';
}
