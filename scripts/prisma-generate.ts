/**
 * Generates both Prisma clients (SQLite and PostgreSQL) offline.
 * The PostgreSQL schema is derived from prisma/schema.prisma so the two never drift.
 * `prisma generate` only needs PRISMA_SCHEMA_ENGINE_BINARY to name an existing file:
 * the engine itself is never run for generation, and it cannot be downloaded here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sqliteSchema = path.join(root, 'prisma/schema.prisma');
const postgresSchema = path.join(root, 'prisma/postgres/schema.prisma');

const derived = readFileSync(sqliteSchema, 'utf8')
  .replace(/^\/\/ Tessera's request history[\s\S]*?by hand\.\n/m, '// GENERATED from prisma/schema.prisma by scripts/prisma-generate.ts. Do not edit.\n')
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('"../src/generated/prisma/sqlite"', '"../../src/generated/prisma/postgres"');
mkdirSync(path.dirname(postgresSchema), { recursive: true });
writeFileSync(postgresSchema, derived);

const prismaCli = path.join(root, 'node_modules/prisma/build/index.js');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
for (const schema of [sqliteSchema, postgresSchema]) {
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', schema], { cwd: root, env, stdio: 'inherit' });
}
