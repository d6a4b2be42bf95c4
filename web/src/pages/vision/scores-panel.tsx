import { RequestLink } from '../../components/request-link';
import { ScoreBars } from '../../components/score-bars';
import { ms } from '../../lib/format';

export interface Scores {
  kind: 'zero-shot' | 'classifier';
  model: string;
  labels: readonly { label: string; score: number }[];
  requestId: string;
  computeMs: number | null | undefined;
}

export function ScoresPanel({ scores }: { scores: Scores }) {
  return (
    <div class="panel">
      <p class="muted summary" data-testid="vision-summary">
        {scores.kind === 'zero-shot' ? 'Zero-shot' : 'Classifier'} · {scores.model} · {ms(scores.computeMs)} · <RequestLink id={scores.requestId} />
      </p>
      <ScoreBars labels={scores.labels} caption="Label scores" />
    </div>
  );
}
