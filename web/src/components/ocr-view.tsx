import { useState } from 'preact/hooks';

export interface OcrLineView {
  text: string;
  confidence: number;
  box: readonly { x: number; y: number }[];
}

interface Props {
  src: string;
  width: number;
  height: number;
  lines: readonly OcrLineView[];
}

/**
 * The image with each line's polygon drawn over it. The SVG's viewBox is the source image's
 * pixel size, so the boxes scale with the image at any width.
 */
export function OcrView({ src, width, height, lines }: Props) {
  const [active, setActive] = useState<number | null>(null);
  return (
    <div class="ocr">
      <figure class="ocr-figure">
        <img src={src} alt="The recognised image" width={width} height={height} />
        <svg class="ocr-overlay" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" aria-hidden="true">
          {lines.map((line, i) => (
            <polygon
              key={i}
              class={`ocr-box${active === i ? ' ocr-box-active' : ''}`}
              points={line.box.map((p) => `${p.x},${p.y}`).join(' ')}
              vector-effect="non-scaling-stroke"
              onMouseEnter={() => setActive(i)}
              onMouseLeave={() => setActive(null)}
            >
              <title>{line.text}</title>
            </polygon>
          ))}
        </svg>
      </figure>
      <ol class="ocr-lines" aria-label="Recognised lines">
        {lines.length === 0 && <li class="muted">No text found.</li>}
        {lines.map((line, i) => (
          <li
            key={i}
            tabIndex={0}
            class={active === i ? 'active' : undefined}
            onMouseEnter={() => setActive(i)}
            onMouseLeave={() => setActive(null)}
            onFocus={() => setActive(i)}
            onBlur={() => setActive(null)}
          >
            <span class="ocr-text">{line.text}</span>
            <span class="ocr-confidence" title="confidence">
              {(line.confidence * 100).toFixed(0)}%
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
