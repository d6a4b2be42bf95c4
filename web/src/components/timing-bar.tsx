import { ms, rate } from '../lib/format';

interface Props {
  queueMs: number | null | undefined;
  /** From the start of compute to the first output. */
  firstOutputMs: number | null | undefined;
  computeMs: number | null | undefined;
  tokensPerSecond?: number | null;
}

/** Queue, time to first output and the rest of compute, to scale on one bar. */
export function TimingBar({ queueMs, firstOutputMs, computeMs, tokensPerSecond }: Props) {
  const queue = Math.max(0, queueMs ?? 0);
  const compute = Math.max(0, computeMs ?? 0);
  const first = Math.min(compute, Math.max(0, firstOutputMs ?? 0));
  const total = queue + compute;
  const share = (value: number) => `${total > 0 ? (value / total) * 100 : 0}%`;
  return (
    <div class="timing">
      <div class="timing-bar" role="img" aria-label={`queue ${ms(queueMs)}, first output ${ms(firstOutputMs)}, compute ${ms(computeMs)}`}>
        <span class="timing-queue" style={{ width: share(queue) }} />
        <span class="timing-first" style={{ width: share(first) }} />
        <span class="timing-rest" style={{ width: share(compute - first) }} />
      </div>
      <dl class="timing-legend">
        <div>
          <dt><i class="swatch timing-queue" />Queue</dt>
          <dd>{ms(queueMs)}</dd>
        </div>
        <div>
          <dt><i class="swatch timing-first" />First output</dt>
          <dd>{ms(firstOutputMs)}</dd>
        </div>
        <div>
          <dt><i class="swatch timing-rest" />Compute</dt>
          <dd>{ms(computeMs)}</dd>
        </div>
        {tokensPerSecond !== undefined && (
          <div>
            <dt>Speed</dt>
            <dd>{rate(tokensPerSecond)}</dd>
          </div>
        )}
      </dl>
    </div>
  );
}
