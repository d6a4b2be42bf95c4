import { seconds } from '../lib/format';

interface Props {
  segments: readonly { start: number; end: number; text?: string | null }[];
}

/** Stretches of audio with their times, and their text once transcribed. */
export function TimedSegments({ segments }: Props) {
  return (
    <ol class="timed" aria-label="Segments">
      {segments.map((s, i) => (
        <li key={i}>
          <time>
            {seconds(s.start)} – {seconds(s.end)}
          </time>
          <span>{s.text ?? <span class="muted">speech</span>}</span>
        </li>
      ))}
    </ol>
  );
}
