import { useEffect, useRef } from 'preact/hooks';
import type { DecodedAudio } from '../lib/audio';
import { seconds } from '../lib/format';

interface Props {
  audio: DecodedAudio | null;
  /** The server's duration when known; the axis is drawn to it. */
  duration?: number;
  segments: readonly { start: number; end: number }[];
}

function draw(canvas: HTMLCanvasElement, { audio, duration, segments }: Props): void {
  const ratio = devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  if (!g) return;
  const style = getComputedStyle(canvas);
  const total = duration ?? audio?.duration ?? 0;
  g.clearRect(0, 0, width, height);
  if (total > 0) {
    g.fillStyle = style.getPropertyValue('--speech').trim() || 'rgba(59,91,219,.25)';
    for (const segment of segments) {
      const x0 = (segment.start / total) * width;
      const x1 = (segment.end / total) * width;
      g.fillRect(x0, 0, Math.max(1, x1 - x0), height);
    }
  }
  g.fillStyle = style.getPropertyValue('--wave').trim() || '#444';
  const middle = height / 2;
  if (!audio) {
    g.fillRect(0, middle, width, Math.max(1, ratio));
    return;
  }
  const { samples } = audio;
  // Peaks per pixel column over the part of the axis the decoded audio covers.
  const columns = Math.min(width, Math.round((audio.duration / (total || audio.duration)) * width));
  const step = samples.length / Math.max(1, columns);
  for (let x = 0; x < columns; x++) {
    let low = 0;
    let high = 0;
    const end = Math.min(samples.length, Math.floor((x + 1) * step));
    for (let i = Math.floor(x * step); i < end; i++) {
      const s = samples[i];
      if (s < low) low = s;
      if (s > high) high = s;
    }
    const top = middle - high * middle;
    g.fillRect(x, top, 1, Math.max(ratio, (high - low) * middle));
  }
}

/** The waveform on a canvas with the speech segments shaded; redrawn when its width changes. */
export function Waveform(props: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const latest = useRef(props);
  latest.current = props;
  useEffect(() => {
    if (canvas.current) draw(canvas.current, props);
  }, [props.audio, props.duration, props.segments]);
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const observer = new ResizeObserver(() => draw(element, latest.current));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const total = props.duration ?? props.audio?.duration;
  return (
    <figure class="wave">
      <canvas ref={canvas} class="wave-canvas" role="img" aria-label={`Waveform with ${props.segments.length} speech segments shaded`} />
      <figcaption class="wave-axis muted">
        <span>0 s</span>
        <span>{total != null ? seconds(total) : ''}</span>
      </figcaption>
    </figure>
  );
}
