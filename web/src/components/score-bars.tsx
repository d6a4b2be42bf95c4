interface Props {
  labels: readonly { label: string; score: number }[];
  /** Names the chart for assistive technology. */
  caption: string;
}

/** Scores as horizontal bars, best first (the server's order); the widths are the scores themselves, not rescaled to the best. */
export function ScoreBars({ labels, caption }: Props) {
  if (labels.length === 0) return <p class="muted">No labels.</p>;
  return (
    <ol class="scores" aria-label={caption}>
      {labels.map(({ label, score }, i) => (
        <li key={`${label}-${i}`} class={i === 0 ? 'score-top' : undefined} data-label={label} data-score={score}>
          <span class="score-label">{label}</span>
          <span class="score-track" aria-hidden="true">
            <span class="score-fill" style={{ width: `${Math.max(0, Math.min(1, score)) * 100}%` }} />
          </span>
          <span class="score-value">{(score * 100).toFixed(1)}%</span>
        </li>
      ))}
    </ol>
  );
}
