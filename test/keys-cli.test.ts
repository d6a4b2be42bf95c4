/**
 * The keys CLI as an operator runs it: `npm run keys -- …` against a SQLite file, the same
 * DATABASE_URL a server would use; the printed key authenticates until it is revoked.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { KeyStore } from '../src/auth/key-store.js';

const run = promisify(execFile);
/** Each call starts npm and tsx afresh (as an operator's does): seconds apiece on a busy machine. */
const CLI_TIMEOUT_MS = 180_000;
let database: TestDatabase;
let db: Database;

async function keysCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'keys', '--', ...args], { env: { ...process.env, DATABASE_URL: database.url } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  database = await createTestDatabase('sqlite');
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe('npm run keys', () => {
  it('creates a key and prints it as the last line, lists without it, and revokes it', async () => {
    const created = await keysCli('create', '--name', 'frontend', '--scopes', 'infer,read');
    expect(created.code).toBe(0);
    const key = created.stdout.trimEnd().split('\n').at(-1)!;
    expect(key).toMatch(/^tsk_[\w-]{43}$/);

    db = await openDatabase(database.url);
    const store = new KeyStore(db.prisma);
    expect(await store.principalOf(key)).toMatchObject({ name: 'frontend', scopes: ['read', 'infer'] });

    const listed = await keysCli('list');
    expect(listed.stdout).toMatch(/frontend\s+read,infer\s+.*active/);
    expect(listed.stdout).not.toContain(key);

    expect((await keysCli('create', '--name', 'frontend', '--scopes', 'read')).code).toBe(1);
    const revoked = await keysCli('revoke', 'frontend');
    expect(revoked.code).toBe(0);
    expect(await store.principalOf(key)).toBeNull();
    expect((await keysCli('list')).stdout).toMatch(/frontend\s+read,infer\s+.*revoked/);
  }, CLI_TIMEOUT_MS);

  it('refuses unknown scopes, unknown keys and missing arguments', async () => {
    const badScope = await keysCli('create', '--name', 'x', '--scopes', 'root');
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain('Unknown scope "root"');
    const unknown = await keysCli('revoke', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No key named "nobody"');
    expect((await keysCli('create', '--name', 'y')).code).toBe(2);
  }, CLI_TIMEOUT_MS);
});
