/**
 * Opens the request-history database: SQLite through better-sqlite3 for `file:` URLs,
 * PostgreSQL through pg otherwise. Both generated clients have the same model API, so the
 * rest of the code is typed against one of them.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from '../generated/prisma/sqlite/client.js';
import { PrismaClient as PostgresClient } from '../generated/prisma/postgres/client.js';
import { isPostgresUrl, sqlitePath } from '../config.js';
import { applyMigrations, type MigrationReport } from './migrate.js';

export type Prisma = SqliteClient;
export type { DatabaseKind } from './kind.js';
import type { DatabaseKind } from './kind.js';

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: Prisma;
  readonly migrations: MigrationReport;
  /** Whether history text search has its index: always on SQLite (FTS5), on PostgreSQL only with pg_trgm. */
  readonly textSearchIndexed: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(url: string): Promise<Database> {
  const kind: DatabaseKind = isPostgresUrl(url) ? 'postgres' : 'sqlite';
  if (kind === 'sqlite') mkdirSync(path.dirname(sqlitePath(url)), { recursive: true });
  const migrations = await applyMigrations(kind, url);
  const prisma =
    kind === 'sqlite'
      ? new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: `file:${sqlitePath(url)}` }) })
      : (new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Prisma);
  if (kind === 'sqlite') {
    // WAL lets history reads proceed while a request is being written.
    await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await prisma.$queryRawUnsafe('PRAGMA busy_timeout = 5000');
  }
  const textSearchIndexed =
    kind === 'sqlite' ||
    (await prisma.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM pg_indexes WHERE indexname = 'InferenceRequest_outputText_trgm_idx'`)).length > 0;
  return {
    kind,
    prisma,
    migrations,
    textSearchIndexed,
    async ping() {
      await prisma.$queryRawUnsafe('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
    },
  };
}
