/**
 * Assembles a running Tessera: database (migrated), engine (models loading), GraphQL over
 * HTTP, SSE and WebSocket. `close()` is the graceful shutdown: stop accepting, let running
 * requests finish up to the timeout, cancel and record the rest, then release everything.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { openDatabase } from '../db/database.js';
import { RequestStore } from '../db/request-store.js';
import { ArtifactStore } from '../db/artifact-store.js';
import { CollectionStore } from '../search/collection-store.js';
import { RunService } from '../runs/run-service.js';
import { Engine } from '../inference/engine.js';
import { HistoryRetention } from '../history/retention.js';
import { configureTextLimits } from '../inference/text-limits.js';
import type { Services } from '../contracts/context.js';
import { createTesseraYoga } from './yoga.js';
import { createRequestHandler } from './http.js';
import { attachWebSocket } from './websocket.js';
import { trackOpenResponses } from './open-responses.js';
import { KeyStore } from '../auth/key-store.js';
import { Authenticator } from '../auth/authenticator.js';
import { ensureAdminKey } from '../auth/first-admin-key.js';
import { KeyLimits } from '../limits/key-limits.js';
import { tokenCharge } from '../limits/token-charge.js';
import { MemoryWindowCounter } from '../limits/window-counter.js';
import { RedisWindowCounter } from '../limits/redis-window-counter.js';
import { TesseraMetrics } from '../metrics/tessera-metrics.js';
import { listenForMetrics } from './metrics-endpoint.js';
import { InstanceStore } from '../db/instance-store.js';
import { Heartbeat } from '../replicas/heartbeat.js';
import { newInstanceId } from '../replicas/instance-id.js';
import { RedisRelay } from '../replicas/redis-relay.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface App {
  readonly server: Server;
  readonly services: Services;
  /** http://host:port once listening. */
  readonly url: string;
  /** The port of the keyless /metrics listener, when METRICS_PORT is set. */
  readonly metricsPort: number | null;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  webRoot?: string;
  /** Where the admin key made on a first start with AUTH=required is shown, once. @default stdout */
  announceAdminKey?: (key: string, name: string) => void;
}

const printAdminKey = (key: string, name: string) =>
  process.stdout.write(`\nNo admin key existed, so one was made: "${name}". It is shown only now; store it:\n${key}\n\n`);

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const db = await openDatabase(config.DATABASE_URL);
  if (db.migrations.applied.length > 0) logger.info({ applied: db.migrations.applied }, 'applied migrations');
  const instanceId = config.INSTANCE_ID ?? newInstanceId();
  const requests = new RequestStore(db.prisma, db.kind, undefined, instanceId, db.textSearchIndexed);
  if (!db.textSearchIndexed) {
    logger.warn('PostgreSQL has no pg_trgm: history text search scans every row (install the extension and re-create the indexes of migration 20261202020000_history)');
  }
  // A SQLite file has one server at a time: whatever is active was left by the previous one.
  // On PostgreSQL other replicas may be running; only the rows of those whose heartbeat stopped are ended.
  const previous = db.kind === 'sqlite' ? await requests.recoverInterrupted() : 0;
  const metrics = new TesseraMetrics(() => engine.models());
  metrics.interrupted.inc(previous);
  const heartbeat = new Heartbeat(instanceId, new InstanceStore(db.prisma), requests, config.INSTANCE_TIMEOUT_MS, logger.child({ component: 'replicas' }), (count) =>
    metrics.interrupted.inc(count),
  );
  const interrupted = previous + (await heartbeat.start());
  if (interrupted > 0) logger.warn({ interrupted }, 'marked requests left running by a stopped process as FAILED (INTERRUPTED)');
  const keys = new KeyStore(db.prisma);
  if (config.AUTH === 'required') {
    const made = await ensureAdminKey(keys);
    if (made) {
      logger.warn({ key: made.name }, 'made the first admin key; it is printed once on stdout');
      (options.announceAdminKey ?? printAdminKey)(made.key, made.name);
    }
  }
  const limits = new KeyLimits(
    config.REDIS_URL ? new RedisWindowCounter(config.REDIS_URL) : new MemoryWindowCounter(),
    { requestsPerMinute: config.RATE_LIMIT_PER_MINUTE, tokensPerMinute: config.TOKENS_PER_MINUTE },
    logger.child({ component: 'limits' }),
  );
  configureTextLimits({ maxChars: config.MAX_TEXT_CHARS, maxTotalChars: config.MAX_TOTAL_TEXT_CHARS });
  const engine = await Engine.create({
    modelsDir: path.resolve(config.MODELS_DIR),
    runtime: {
      executionProvider: config.EXECUTION_PROVIDER,
      intraOpThreads: config.ORT_INTRA_OP_THREADS,
      interOpThreads: config.ORT_INTER_OP_THREADS,
      graphOptimizationLevel: config.ORT_GRAPH_OPTIMIZATION,
      sessionThread: config.ORT_SESSION_THREAD,
      prefixCacheBytes: config.PREFIX_CACHE_BYTES,
    },
    logger: logger.child({ component: 'engine' }),
    limits: { maxImagePixels: config.MAX_IMAGE_PIXELS, maxAudioSeconds: config.MAX_AUDIO_SECONDS },
  });
  const relay = config.REDIS_URL
    ? await RedisRelay.connect({ url: config.REDIS_URL, logger: logger.child({ component: 'relay' }), cancelLocal: (id, reason) => runs.cancelHere(id, reason) })
    : null;
  const runs = new RunService(requests, logger, undefined, [tokenCharge(limits, logger), metrics.observer, ...(relay ? [relay.observer] : [])], relay);
  const services: Services = {
    config,
    engine,
    db,
    requests,
    artifacts: new ArtifactStore(db.prisma, path.resolve(config.DATA_DIR)),
    collections: await CollectionStore.open(db),
    runs,
    logger,
    keys,
    authenticator: new Authenticator(config.AUTH, keys),
    limits,
  };
  const retention = new HistoryRetention(
    requests,
    services.artifacts,
    { defaultDays: config.HISTORY_RETENTION_DAYS ?? null, byTask: config.HISTORY_RETENTION_BY_TASK },
    logger.child({ component: 'retention' }),
    { intervalMs: config.HISTORY_RETENTION_INTERVAL_MS },
  );
  retention.start();
  services.collections.warm().catch((error: unknown) => logger.warn({ err: error }, 'could not preload the collection indexes'));
  const yoga = createTesseraYoga(services, metrics);
  const server = createServer(createRequestHandler(services, yoga, options.webRoot ?? path.join(projectRoot, 'web/dist'), metrics));
  const metricsServer = config.METRICS_PORT === undefined ? null : await listenForMetrics(metrics, config.METRICS_PORT, config.HOST);
  if (metricsServer) logger.info({ port: metricsServer.port }, 'serving /metrics without a key on METRICS_PORT');
  const ws = attachWebSocket(server, yoga, services.authenticator, { maxPayload: config.MAX_BODY_BYTES, allowedOrigins: config.CORS_ORIGINS });
  const responses = trackOpenResponses(server);
  let url = '';
  let closing: Promise<void> | undefined;

  return {
    server,
    services,
    get url() {
      return url;
    },
    metricsPort: metricsServer?.port ?? null,
    listen: () =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => {
          const { port } = server.address() as AddressInfo;
          const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
          url = `http://${host}:${port}`;
          resolve(url);
        });
      }),
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const [drained] = await Promise.all([services.runs.drain(config.SHUTDOWN_TIMEOUT_MS), retention.stop()]);
        logger.info(drained, 'running requests settled');
        // Work that settled in the drain still owes its client an answer.
        await Promise.all([responses.settled(2000), ws.close(2000)]);
        server.closeAllConnections();
        await stopped;
        await engine.close();
        await heartbeat.stop();
        await relay?.close();
        metricsServer?.server.close();
        metrics.close();
        await limits.close();
        await db.close();
      })()),
  };
}
