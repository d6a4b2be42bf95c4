/**
 * Sample statistics and the interleaving that keeps compared variants fair on a shared,
 * drifting machine: every round runs each variant once, in an order rotated per round.
 */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile: a value that was measured, never an interpolation. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (values: readonly number[]) => percentile(values, 50);

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  return {
    n,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    mean: n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN,
    min: n ? Math.min(...values) : Number.NaN,
    max: n ? Math.max(...values) : Number.NaN,
  };
}

export interface Bounds {
  /** Rounds to run at most. */
  rounds: number;
  /** Rounds to run even past the time budget, so every variant gets a sample. */
  minRounds?: number;
  /** No round starts after this many milliseconds. */
  budgetMs: number;
}

/**
 * A full collection before a timed step (when node runs with --expose-gc, as `npm run bench`
 * starts its suites): variants share one heap, and garbage one left behind must not be
 * collected on the next one's time. A step's own garbage still counts against it.
 */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return gc !== undefined;
}

/**
 * Runs `measure` for each variant once per round, rotating the starting variant every
 * round (A B, B A, A B, ...), so slow drift and "who runs right after whom" cancel out.
 * Every variant ends with the same number of samples.
 */
export async function interleave<V extends string, R>(
  variants: readonly V[],
  bounds: Bounds,
  measure: (variant: V, round: number) => Promise<R>,
): Promise<Map<V, R[]>> {
  const samples = new Map<V, R[]>(variants.map((v) => [v, []]));
  const started = performance.now();
  for (let round = 0; round < bounds.rounds; round += 1) {
    if (round >= (bounds.minRounds ?? 1) && performance.now() - started > bounds.budgetMs) break;
    for (let i = 0; i < variants.length; i += 1) {
      const variant = variants[(i + round) % variants.length];
      collectGarbage();
      samples.get(variant)!.push(await measure(variant, round));
    }
  }
  return samples;
}

/** Rejects when `work` takes longer than `ms`; a benchmark must never hang the run. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `list` starting at index `k` (mod length): the order of one interleaved round. */
export function rotated<T>(list: readonly T[], k: number): T[] {
  const n = list.length;
  return Array.from({ length: n }, (_, i) => list[(i + k) % n]);
}
