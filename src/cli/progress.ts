/**
 * A download progress bar on stderr. On a terminal it redraws one line; elsewhere (CI logs,
 * tests) it prints a line at start, every quarter, and at the end, so logs stay readable.
 */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

const WIDTH = 24;

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

export class ProgressBar {
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastQuarter = -1;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly total: number | undefined,
    private done: number,
  ) {
    if (!sink.isTTY) sink.write(`${label}: ${done > 0 ? `resuming at ${megabytes(done)} MB` : 'starting'}\n`);
  }

  advance(bytes: number): void {
    this.done += bytes;
    const now = performance.now();
    if (this.sink.isTTY) {
      if (now - this.lastDraw > 100) this.draw(now);
      return;
    }
    if (this.total) {
      const quarter = Math.floor((this.done / this.total) * 4);
      if (quarter > this.lastQuarter && quarter < 4) {
        this.lastQuarter = quarter;
        this.sink.write(`${this.label}: ${quarter * 25}%\n`);
      }
    }
  }

  private line(now: number): string {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${megabytes(this.done / seconds)} MB/s`;
    if (!this.total) return `${this.label} ${megabytes(this.done)} MB ${rate}`;
    const fraction = Math.min(this.done / this.total, 1);
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}`;
    return `${this.label} [${bar}] ${Math.floor(fraction * 100)}% ${megabytes(this.done)}/${megabytes(this.total)} MB ${rate}`;
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.sink.write(`\r${this.line(now)}\u001b[K`);
  }

  finish(): void {
    const now = performance.now();
    if (this.sink.isTTY) {
      this.draw(now);
      this.sink.write('\n');
    } else {
      this.sink.write(`${this.line(now)} done\n`);
    }
  }
}
