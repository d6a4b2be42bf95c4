import type { StreamRun } from '../../lib/use-stream';
import { Stat } from '../../components/stat';
import { Link } from '../../router';
import { useClock } from '../../lib/use-clock';
import { ms, rate, shortId } from '../../lib/format';
import { describe, type GenerationView } from './generation-view';

/** Status, time to first token (counting up while awaited), tokens, speed, finish reason, request. */
export function GenerationStats({ run, running }: { run: StreamRun<GenerationView, unknown>; running: boolean }) {
  const view = run.view;
  // Until the first token, the wait itself is the live figure (prefill on a big model takes a while).
  const now = useClock(running && view?.firstAt === undefined);
  const finishReason = run.status === 'stopped' ? 'CANCELLED' : view?.finishReason;
  const waiting = running && view ? `${ms(Math.max(0, now - view.began))}…` : '—';
  return (
    <div class="stats" aria-live="polite">
      <Stat label="Status" value={view ? describe(view, run.status) : 'idle'} name="status" />
      <Stat label="First token" value={view?.firstTokenMs != null ? ms(view.firstTokenMs) : waiting} name="ttft" />
      <Stat label="Tokens" value={view ? String(view.tokens) : '—'} name="tokens" />
      <Stat label="Speed" value={rate(view?.tokensPerSecond)} name="speed" />
      {finishReason && <Stat label="Finish" value={finishReason} name="finish-reason" />}
      {view?.requestId && (
        <div class="stat">
          <span class="stat-label">Request</span>
          <Link href={`/requests/${view.requestId}`} class="stat-value mono">
            {shortId(view.requestId)}
          </Link>
        </div>
      )}
    </div>
  );
}
