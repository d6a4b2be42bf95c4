/**
 * Configuration from environment variables, validated once at start. Each bad value is
 * reported with its variable name so a misconfigured server never half-starts.
 */
import path from 'node:path';
import { z } from 'zod';

const bytes = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a size such as 1048576, 512kb, 50mb or 1gb')
  .transform((value) => {
    const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(value)!;
    const unit = (match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb';
    const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[unit];
    return Math.round(Number(match[1]) * factor);
  });

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  // Loopback by default: `npm start` on a laptop serves only that laptop, so it needs no key.
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Default: required unless HOST is loopback only (see resolveAuth). */
  AUTH: z.enum(['required', 'off']).optional(),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(1200),
  TOKENS_PER_MINUTE: positiveInt.default(200_000),
  REDIS_URL: z
    .string()
    .refine((url) => /^rediss?:\/\//.test(url), 'must start with redis:// or rediss://')
    .optional(),
  /** A second port that serves only /metrics, without a key; unset: /metrics only on PORT, behind an admin key. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** This process's name among replicas (request rows, heartbeats); default: hostname-pid-random. */
  INSTANCE_ID: z.string().min(1).max(100).optional(),
  /** A replica whose heartbeat is older than this is presumed dead and its active requests INTERRUPTED. */
  INSTANCE_TIMEOUT_MS: positiveInt.min(1000).default(30_000),
  DATABASE_URL: z
    .string()
    .default('file:./data/tessera.db')
    .refine((url) => /^(file:|postgres(ql)?:\/\/)/.test(url), 'must start with file: (SQLite) or postgres:// (PostgreSQL)'),
  DATA_DIR: z.string().min(1).default('./data'),
  MODELS_DIR: z.string().min(1).default('./models'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: bytes.prefault('36mb'),
  MAX_UPLOAD_BYTES: bytes.prefault('25mb'),
  MAX_IMAGE_PIXELS: positiveInt.default(40_000_000),
  MAX_AUDIO_SECONDS: positiveInt.default(600),
  /** Characters of text a single input may carry (a prompt, one message, an embed text). */
  MAX_TEXT_CHARS: positiveInt.default(32_000),
  /** Characters across every text of one request (all messages, all labels, all texts to embed). */
  MAX_TOTAL_TEXT_CHARS: positiveInt.default(32_000),
  /** Query shape limits, enforced before execution; none is met by the console or a normal client. */
  MAX_QUERY_DEPTH: positiveInt.default(12),
  MAX_QUERY_ALIASES: positiveInt.default(30),
  MAX_QUERY_TOKENS: positiveInt.default(3000),
  MAX_QUERY_DIRECTIVES: positiveInt.default(30),
  MAX_QUERY_COST: positiveInt.default(50_000),
  /** What each field that runs a model adds to the query cost, on top of its shape. */
  INFERENCE_FIELD_COST: positiveInt.default(5000),
  /** Comma-separated origins allowed to call from a browser besides the server's own. `*` allows any, without credentials. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean)),
  EXECUTION_PROVIDER: z.enum(['cpu', 'cuda', 'webgpu']).default('cpu'),
  ORT_INTRA_OP_THREADS: nonNegativeInt.default(0),
  ORT_INTER_OP_THREADS: nonNegativeInt.default(0),
  ORT_GRAPH_OPTIMIZATION: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  ORT_SESSION_THREAD: z.enum(['worker', 'main']).default('worker'),
  /** Bytes of prompt-prefix keys/values kept per text-generation model; 0 turns the prefix cache off. Default: 1/16 of the machine's memory, at most 1 GiB. */
  PREFIX_CACHE_BYTES: nonNegativeInt.optional(),
  SHUTDOWN_TIMEOUT_MS: nonNegativeInt.default(10_000),
  /** Days a finished request is kept; unset keeps history forever. */
  HISTORY_RETENTION_DAYS: positiveInt.optional(),
  /** Per-task ages overriding HISTORY_RETENTION_DAYS, e.g. "OCR=7,TEXT_GENERATION=30". */
  HISTORY_RETENTION_BY_TASK: z
    .string()
    .regex(/^\s*[A-Z_]+\s*=\s*[1-9]\d*\s*(,\s*[A-Z_]+\s*=\s*[1-9]\d*\s*)*$/, 'expected TASK=DAYS pairs such as OCR=7,TEXT_GENERATION=30')
    .transform((text) =>
      Object.fromEntries(text.split(',').map((pair) => pair.split('=').map((part) => part.trim())).map(([task, days]) => [task, Number(days)])),
    )
    .default({}),
  /** How often retention runs and unreferenced files are swept. */
  HISTORY_RETENTION_INTERVAL_MS: positiveInt.default(600_000),
  GRAPHIQL: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
});

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

const resolved = schema.transform((config) => ({
  ...config,
  AUTH: config.AUTH ?? (isLoopbackHost(config.HOST) ? 'off' : 'required'),
}));

export type Config = z.output<typeof resolved>;
export type ConfigInput = Partial<Record<keyof z.input<typeof schema>, string>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(schema.shape)
      .map((key) => [key, env[key] === '' ? undefined : env[key]])
      .filter(([, value]) => value !== undefined),
  );
  const parsed = resolved.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0]);
        return `${key}=${JSON.stringify(env[key])}: ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

/** A `file:` URL's path, resolved against the working directory as Prisma does. */
export function sqlitePath(databaseUrl: string): string {
  const file = databaseUrl.replace(/^file:/, '');
  return path.resolve(file);
}

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
}
