/**
 * When a generation ends: end-of-sequence tokens, the token limit, and stop strings.
 * Stop strings are matched on the decoded text across token boundaries; text that could
 * still turn out to be the start of a stop string is held back, so a matched stop string
 * is never emitted.
 */

export class StopStringMatcher {
  private pending = '';

  constructor(private readonly stops: readonly string[]) {}

  /** Feeds new text; returns what is safe to emit, and whether a stop string matched. */
  push(text: string): { emit: string; stopped: boolean } {
    this.pending += text;
    if (this.stops.length === 0) {
      const emit = this.pending;
      this.pending = '';
      return { emit, stopped: false };
    }
    let first = -1;
    for (const stop of this.stops) {
      const at = this.pending.indexOf(stop);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    }
    if (first !== -1) {
      const emit = this.pending.slice(0, first);
      this.pending = '';
      return { emit, stopped: true };
    }
    const hold = this.heldSuffixLength();
    const emit = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { emit, stopped: false };
  }

  /** Whether some text is held back as a possible start of a stop string. */
  get holding(): boolean {
    return this.pending.length > 0;
  }

  /** The held-back text, released when the generation ends for another reason. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  /** Length of the longest suffix of the pending text that is a proper prefix of a stop string. */
  private heldSuffixLength(): number {
    let longest = 0;
    for (const stop of this.stops) {
      const max = Math.min(stop.length - 1, this.pending.length);
      for (let n = max; n > longest; n -= 1) {
        if (this.pending.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}

export interface StopConditions {
  maxTokens: number;
  eosTokenIds: ReadonlySet<number>;
}

/** The reason a freshly generated token ends the sequence, before looking at text. */
export function tokenStopReason(tokenId: number, generatedCount: number, c: StopConditions): 'STOP' | 'LENGTH' | null {
  if (c.eosTokenIds.has(tokenId)) return 'STOP';
  if (generatedCount >= c.maxTokens) return 'LENGTH';
  return null;
}
