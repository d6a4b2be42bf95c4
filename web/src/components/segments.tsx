import { seconds } from '../lib/format';

/** Speech found in a clip: each stretch's start, end and length. */
export function Segments({ segments }: { segments: readonly { start: number; end: number }[] }) {
  if (segments.length === 0) return <p class="muted">No speech found.</p>;
  return (
    <ol class="segments">
      {segments.map((s, i) => (
        <li key={i}>
          {seconds(s.start)} – {seconds(s.end)} <span class="muted">({seconds(s.end - s.start)})</span>
        </li>
      ))}
    </ol>
  );
}
