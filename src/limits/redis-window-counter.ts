/**
 * The window counters in Redis, so replicas behind one load balancer share each key's
 * budget. INCRBY and PEXPIRE go in one MULTI: a counter can never be left without expiry.
 */
import { Redis } from 'ioredis';
import { windowOf, type WindowCount, type WindowCounter } from './window-counter.js';

export class RedisWindowCounter implements WindowCounter {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix = 'tessera:limits:',
  ) {
    // Fail fast instead of queueing commands while Redis is away: a request waits for no one.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
    this.redis.on('error', () => undefined);
  }

  async add(bucket: string, amount: number, windowMs: number): Promise<WindowCount> {
    const { index, resetInMs } = windowOf(Date.now(), windowMs);
    const key = `${this.prefix}${bucket}:${index}`;
    const replies = await this.redis.multi().incrby(key, amount).pexpire(key, windowMs * 2).exec();
    const [error, total] = replies?.[0] ?? [new Error('Redis returned no reply'), null];
    if (error) throw error;
    return { total: Number(total), resetInMs };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
