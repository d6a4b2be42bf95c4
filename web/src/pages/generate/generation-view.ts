/** What a generation stream adds up to on the page, folded event by event. */
import { ApiError } from '../../api';
import type { GenerateStreamSubscription, FinishReason } from '../../gql/graphql';
import type { FoldControl, StreamStatus } from '../../lib/use-stream';

export interface GenerationView {
  /** When the run began (performance.now()), for the wait before the first token. */
  began: number;
  firstAt?: number;
  outcome?: 'finished' | 'failed';
  requestId?: string;
  model?: string;
  promptTokens?: number;
  tokens: number;
  /** Client-side until the server's figure arrives with completion. */
  firstTokenMs?: number;
  tokensPerSecond?: number | null;
  queueMs?: number;
  finishReason?: FinishReason;
}

type Event = GenerateStreamSubscription['generate'];

export function foldGeneration(view: GenerationView, event: Event, control: FoldControl, append: (text: string) => void): void {
  if (event.__typename === 'GenerationStarted') {
    Object.assign(view, { requestId: event.requestId, model: event.model, promptTokens: event.promptTokens });
  } else if (event.__typename === 'GenerationToken') {
    const now = performance.now();
    if (view.firstAt === undefined) {
      view.firstAt = now;
      view.firstTokenMs = now - view.began;
    }
    view.tokens++;
    append(event.text);
    view.tokensPerSecond = now > view.firstAt ? (view.tokens - 1) / ((now - view.firstAt) / 1000) : null;
  } else if (event.__typename === 'GenerationCompleted') {
    Object.assign(view, {
      outcome: event.error ? 'failed' : 'finished',
      requestId: event.requestId,
      finishReason: event.finishReason,
      tokens: event.usage.completionTokens,
      promptTokens: event.usage.promptTokens,
      firstTokenMs: event.timings.timeToFirstTokenMs ?? view.firstTokenMs,
      tokensPerSecond: event.timings.tokensPerSecond ?? view.tokensPerSecond,
      queueMs: event.timings.queueMs,
    });
    if (event.error) control.fail(new ApiError(event.error.code, event.error.message));
  }
}

/** The status word the stats row shows. */
export function describe(view: GenerationView, status: StreamStatus): string {
  if (status === 'stopped') return 'stopped';
  if (status === 'failed' || view.outcome === 'failed') return 'failed';
  if (status === 'completed' || view.outcome === 'finished') return view.finishReason === 'CANCELLED' ? 'cancelled' : 'done';
  return view.requestId ? 'streaming' : 'waiting…';
}
