/**
 * Runs shared across replicas through Redis. The replica running a request appends each of
 * its events, then an end mark, to a Redis stream named after the request, so a follower on
 * any replica reads the log from its start and then the rest in order, exactly as a local
 * follower would. Cancellation is a pub/sub message every replica hears; the one holding the
 * run aborts it, and the generation loop stops at its next step.
 */
import { Redis } from 'ioredis';
import type { RequestRow } from '../db/request-store.js';
import type { Logger } from '../logger.js';
import type { RunObserver } from '../runs/observer.js';
import type { RunRelay } from '../runs/relay.js';
import { ActiveRun } from '../runs/run-registry.js';
import { decodeEvent, encodeEvent } from './event-codec.js';

const CANCEL_CHANNEL = 'tessera:cancel';
/** A finished run's log outlives it a while, for a follower that attached as it ended. */
const LOG_TTL_SECONDS = 600;
/** How long a follower blocks before checking that the request is still active somewhere. */
const POLL_MS = 1000;
const CONNECT_TIMEOUT_MS = 10_000;

const logKey = (id: string) => `tessera:run:${id}`;

export interface RedisRelayOptions {
  url: string;
  logger: Logger;
  /** Cancels a run if this replica holds it. */
  cancelLocal(id: string, reason: string): void;
}

export class RedisRelay implements RunRelay {
  private readonly writer: Redis;
  private readonly listener: Redis;
  private readonly followers = new Set<Redis>();
  private readonly logger: Logger;

  private constructor(private readonly options: RedisRelayOptions) {
    this.logger = options.logger;
    this.writer = this.watched(new Redis(options.url, { maxRetriesPerRequest: 2 }));
    this.listener = this.watched(this.writer.duplicate());
  }

  /** ioredis reports a lost connection as an event (and retries); say so once per connection instead of crashing. */
  private watched(connection: Redis): Redis {
    let reported = false;
    connection.on('error', (error: Error) => {
      if (!reported) this.logger.warn({ err: error }, 'Redis connection failed; retrying');
      reported = true;
    });
    connection.on('ready', () => (reported = false));
    return connection;
  }

  static async connect(options: RedisRelayOptions): Promise<RedisRelay> {
    const relay = new RedisRelay(options);
    relay.listener.on('message', (_channel: string, message: string) => {
      const { id, reason } = JSON.parse(message) as { id: string; reason: string };
      options.cancelLocal(id, reason);
    });
    // ioredis would queue the subscription and retry forever; a wrong REDIS_URL should stop the start instead.
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        relay.listener.subscribe(CANCEL_CHANNEL),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis at REDIS_URL did not answer within ${CONNECT_TIMEOUT_MS} ms.`)), CONNECT_TIMEOUT_MS))),
      ]);
    } catch (error) {
      relay.listener.disconnect();
      relay.writer.disconnect();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return relay;
  }

  /** Publishes this replica's runs for followers elsewhere. */
  readonly observer: RunObserver = {
    published: (row, event) => this.append(row, 'e', encodeEvent(event)),
    ended: (row) => this.append(row, 'end', '1'),
  };

  private append(row: RequestRow, field: string, value: string): void {
    this.writer
      .pipeline()
      .xadd(logKey(row.id), '*', field, value)
      .expire(logKey(row.id), LOG_TTL_SECONDS)
      .exec()
      .catch((error: unknown) => this.logger.warn({ err: error, id: row.id }, 'could not relay a run event'));
  }

  follow<E>(row: RequestRow, stillActive: () => Promise<boolean>): ActiveRun<E> {
    const mirror = new ActiveRun<E>(row.id);
    // A blocking read holds its connection, so each follower has its own.
    const connection = this.watched(this.writer.duplicate());
    this.followers.add(connection);
    void this.pump(mirror, connection, stillActive)
      .catch((error: unknown) => this.logger.warn({ err: error, id: row.id }, 'lost a relayed run'))
      .finally(() => {
        mirror.end();
        this.followers.delete(connection);
        connection.disconnect();
      });
    return mirror;
  }

  private async pump<E>(mirror: ActiveRun<E>, connection: Redis, stillActive: () => Promise<boolean>): Promise<void> {
    let last = '0';
    let lastChance = false;
    for (;;) {
      const read = await connection.xread('BLOCK', lastChance ? 1 : POLL_MS, 'STREAMS', logKey(mirror.id), last);
      const entries = read?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        last = id;
        if (fields[0] === 'end') return;
        mirror.publish(decodeEvent<E>(fields[1]!));
      }
      if (entries.length > 0) continue;
      // Nothing came: the run may have ended without its mark (its replica died); read once more, then stop.
      if (lastChance) return;
      if (!(await stillActive())) lastChance = true;
    }
  }

  async cancel(row: RequestRow, reason: string, stillActive: () => Promise<boolean>): Promise<void> {
    const ended = this.follow(row, stillActive).finished;
    await this.writer.publish(CANCEL_CHANNEL, JSON.stringify({ id: row.id, reason }));
    await ended;
  }

  async close(): Promise<void> {
    for (const connection of this.followers) connection.disconnect();
    await Promise.allSettled([this.listener.quit(), this.writer.quit()]);
  }
}
