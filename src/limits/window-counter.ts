/**
 * Fixed-window counters: one count per (bucket, window), windows aligned to the wall clock
 * so every replica agrees on where a minute starts. In memory for one process; see
 * redis-window-counter.ts for the one replicas share.
 */
export interface WindowCount {
  /** The bucket's total in the current window, this addition included. */
  total: number;
  /** Until the window ends and the count starts again from zero. */
  resetInMs: number;
}

export interface WindowCounter {
  add(bucket: string, amount: number, windowMs: number): Promise<WindowCount>;
  close(): Promise<void>;
}

export function windowOf(now: number, windowMs: number): { index: number; resetInMs: number } {
  const index = Math.floor(now / windowMs);
  return { index, resetInMs: (index + 1) * windowMs - now };
}

export class MemoryWindowCounter implements WindowCounter {
  private readonly counts = new Map<string, { index: number; total: number }>();

  async add(bucket: string, amount: number, windowMs: number): Promise<WindowCount> {
    const { index, resetInMs } = windowOf(Date.now(), windowMs);
    const current = this.counts.get(bucket);
    const total = (current?.index === index ? current.total : 0) + amount;
    this.counts.set(bucket, { index, total });
    if (this.counts.size > 100_000) this.forgetOldWindows(index);
    return { total, resetInMs };
  }

  private forgetOldWindows(index: number): void {
    for (const [bucket, count] of this.counts) if (count.index !== index) this.counts.delete(bucket);
  }

  async close(): Promise<void> {}
}
