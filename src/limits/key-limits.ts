/**
 * Per-key budgets per minute: operations, and tokens generated. Refusals are RATE_LIMITED
 * with the seconds until the window resets (Retry-After). The token budget is charged by
 * the generation path after the fact (consumeTokens) and checked before the next
 * generating operation starts, so a stream is never cut mid-way by it.
 */
import { TesseraError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { WindowCounter, WindowCount } from './window-counter.js';

export interface KeyLimitOptions {
  /** @default 1200 (RATE_LIMIT_PER_MINUTE) */
  requestsPerMinute: number;
  /** @default 200000 (TOKENS_PER_MINUTE) */
  tokensPerMinute: number;
}

const MINUTE_MS = 60_000;

export const rateLimited = (message: string, resetInMs: number, limit: number) => {
  const retryAfter = Math.max(1, Math.ceil(resetInMs / 1000));
  return new TesseraError('RATE_LIMITED', `${message} Retry in ${retryAfter} s.`, { retryAfter, limit });
};

export class KeyLimits {
  constructor(
    private readonly counter: WindowCounter,
    readonly options: KeyLimitOptions,
    private readonly logger: Logger,
  ) {}

  /** Counts one operation for the key; throws RATE_LIMITED past the budget (or the token quota, for generating work). */
  async admit(keyId: string | null, options: { generates: boolean }): Promise<void> {
    const requests = await this.count('requests', keyId, 1);
    if (requests && requests.total > this.options.requestsPerMinute) {
      throw rateLimited(`This key made more than ${this.options.requestsPerMinute} requests this minute.`, requests.resetInMs, this.options.requestsPerMinute);
    }
    if (!options.generates) return;
    const tokens = await this.count('tokens', keyId, 0);
    if (tokens && tokens.total >= this.options.tokensPerMinute) {
      throw rateLimited(`This key generated its ${this.options.tokensPerMinute} tokens for this minute.`, tokens.resetInMs, this.options.tokensPerMinute);
    }
  }

  /** Charges generated tokens to the key; false once the key is past its quota for the minute. */
  async consumeTokens(keyId: string | null, count: number): Promise<boolean> {
    const tokens = await this.count('tokens', keyId, count);
    return !tokens || tokens.total < this.options.tokensPerMinute;
  }

  /** Null when the counter is unreachable: limits fail open rather than take the API down with Redis. */
  private async count(kind: 'requests' | 'tokens', keyId: string | null, amount: number): Promise<WindowCount | null> {
    try {
      return await this.counter.add(`${kind}:${keyId ?? 'anonymous'}`, amount, MINUTE_MS);
    } catch (error) {
      this.logger.warn({ err: error, kind }, 'rate-limit counter unavailable; admitting without counting');
      return null;
    }
  }

  close(): Promise<void> {
    return this.counter.close();
  }
}
