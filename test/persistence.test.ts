/**
 * The same persistence tests on SQLite and on the real local PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../src/db/database.js';
import { applyMigrations, MIGRATION_DIRS, readMigrations } from '../src/db/migrate.js';
import { RequestStore } from '../src/db/request-store.js';
import { ArtifactStore } from '../src/db/artifact-store.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';

describe.each(['sqlite', 'postgres'] as const)('persistence on %s', (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  let store: RequestStore;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url);
    store = new RequestStore(db.prisma, db.kind);
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('applies every migration to a fresh database, once', async () => {
    const names = readMigrations(kind).map((m) => m.name);
    expect(db.migrations.applied).toEqual(names);
    const again = await applyMigrations(kind, testDb.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(names);
    const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string; checksum: string }[]>(
      'SELECT migration_name, checksum FROM _prisma_migrations',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    expect(rows[0].checksum).toBe(readMigrations(kind)[0].checksum);
  });

  it('takes a request from QUEUED through RUNNING to COMPLETED with timings', async () => {
    const row = await store.create({ task: 'OCR', model: 'm', parameters: { a: 1 }, inputModalities: ['IMAGE'] });
    expect(row.status).toBe('QUEUED');
    await store.markRunning(row.id);
    expect((await store.get(row.id))!.status).toBe('RUNNING');
    const done = await store.complete(row.id, { outputText: 'hello', result: { kind: 'ocr', text: 'hello' }, queueMs: 3, computeMs: 7, batchSize: 2 });
    expect(done.status).toBe('COMPLETED');
    expect(done.outputText).toBe('hello');
    expect(done.result).toEqual({ kind: 'ocr', text: 'hello' });
    expect([done.queueMs, done.computeMs, done.batchSize]).toEqual([3, 7, 2]);
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.parameters).toEqual({ a: 1 });
  });

  it('never moves a finished request back, and a late "running" update is ignored', async () => {
    const row = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'] });
    await store.cancel(row.id, { outputText: 'part' });
    await store.markRunning(row.id);
    const after = await store.complete(row.id, { outputText: 'all' });
    expect(after.status).toBe('CANCELLED');
    expect(after.outputText).toBe('part');
    expect(after.errorCode).toBe('CANCELLED');
  });

  it('writes the final state from the times its run knows, without reading the row, and still writes it once', async () => {
    const row = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'] });
    const startedAt = new Date(row.createdAt.getTime() + 40);
    await store.markRunning(row.id, startedAt);
    const done = await store.complete(row.id, { outputText: 'known' }, { createdAt: row.createdAt, startedAt });
    expect([done.status, done.outputText, done.queueMs]).toEqual(['COMPLETED', 'known', 40]);
    expect(done.startedAt!.getTime()).toBe(startedAt.getTime());
    expect(done.computeMs).toBe(done.finishedAt!.getTime() - startedAt.getTime());
    // A second final write with known times finds the row final and returns it as it was.
    const again = await store.cancel(row.id, { outputText: 'late' }, 'late', { createdAt: row.createdAt, startedAt });
    expect([again.status, again.outputText, again.errorCode]).toEqual(['COMPLETED', 'known', null]);
  });

  it('records a failure with its code and message', async () => {
    const row = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'] });
    const failed = await store.fail(row.id, { code: 'BAD_USER_INPUT', message: 'corrupt image' });
    expect([failed.status, failed.errorCode, failed.errorMessage]).toEqual(['FAILED', 'BAD_USER_INPUT', 'corrupt image']);
  });

  it('marks what a crash left active as FAILED with INTERRUPTED', async () => {
    const queued = await store.create({ task: 'VAD', model: 'm', parameters: {}, inputModalities: ['AUDIO'] });
    const running = await store.create({ task: 'VAD', model: 'm', parameters: {}, inputModalities: ['AUDIO'] });
    await store.markRunning(running.id);
    expect(await store.recoverInterrupted()).toBeGreaterThanOrEqual(2);
    for (const id of [queued.id, running.id]) {
      const row = (await store.get(id))!;
      expect([row.status, row.errorCode]).toEqual(['FAILED', 'INTERRUPTED']);
    }
  });

  it('pages newest first without duplicates or gaps while rows are inserted', async () => {
    const task = `PAGE_${kind}`;
    const created: string[] = [];
    for (let i = 0; i < 25; i++) created.push((await store.create({ task, model: 'p', parameters: { i }, inputModalities: ['TEXT'] })).id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await store.list({ task }, { first: 7, after });
      seen.push(...page.rows.map((r) => r.id));
      pages++;
      // Newcomers arrive between pages; they are newer than the first page, so never show up later.
      await store.create({ task, model: 'p', parameters: { late: pages }, inputModalities: ['TEXT'] });
      if (!page.hasNextPage) break;
      after = page.rows.at(-1)!.id;
    }
    expect(seen).toEqual([...created].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(4);
  });

  it('pages backwards with last/before', async () => {
    const task = `BACK_${kind}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.create({ task, model: 'p', parameters: {}, inputModalities: ['TEXT'] })).id);
    const newestFirst = [...ids].reverse();
    const page = await store.list({ task }, { last: 2, before: newestFirst[3] });
    expect(page.rows.map((r) => r.id)).toEqual([newestFirst[1], newestFirst[2]]);
    expect(page.hasPreviousPage).toBe(true);
  });

  it('filters by task, model, status, time and text (either direction of text)', async () => {
    const task = `FILTER_${kind}`;
    const a = await store.create({ task, model: 'alpha', parameters: {}, inputModalities: ['TEXT'], inputText: 'Tell me about Paris' });
    const b = await store.create({ task, model: 'beta', parameters: {}, inputModalities: ['TEXT'] });
    await store.complete(b.id, { outputText: 'The Louvre is in PARIS.' });
    await store.create({ task, model: 'beta', parameters: {}, inputModalities: ['TEXT'], inputText: 'London' });
    const ids = async (filter: Parameters<RequestStore['list']>[0]) => (await store.list({ task, ...filter }, { first: 50 })).rows.map((r) => r.id);
    expect(await ids({ model: 'alpha' })).toEqual([a.id]);
    expect(await ids({ status: 'COMPLETED' })).toEqual([b.id]);
    expect((await ids({ text: 'paris' })).sort()).toEqual([a.id, b.id].sort());
    expect(await ids({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect((await ids({ until: new Date(Date.now() + 60_000) })).length).toBe(3);
    expect(await store.count({ task, model: 'beta' })).toBe(2);
  });

  it('stores artifacts once per content, on disk, and links them to requests', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-artifacts-'));
    const artifacts = new ArtifactStore(db.prisma, dir);
    const bytes = new TextEncoder().encode(`same bytes ${kind}`);
    const first = await artifacts.put(bytes, 'text/plain');
    const second = await artifacts.put(bytes, 'text/plain');
    expect(second.id).toBe(first.id);
    expect(first.id).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(artifacts.pathOf(first.id), 'utf8')).toBe(`same bytes ${kind}`);
    const row = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'], inputArtifactIds: [first.id] });
    const links = await store.artifactsOf(row.id);
    expect(links.map((l) => [l.role, l.artifact.id])).toEqual([['input', first.id]]);
    expect(await artifacts.get('not-a-hash')).toBeNull();
  });
});

describe('migrations on disk', () => {
  it('refuses a migration that changed after it was applied', async () => {
    const testDb = await createTestDatabase('sqlite');
    try {
      await applyMigrations('sqlite', testDb.url);
      const copy = mkdtempSync(path.join(tmpdir(), 'tessera-migrations-'));
      cpSync(MIGRATION_DIRS.sqlite, copy, { recursive: true });
      const original = MIGRATION_DIRS.sqlite;
      const [first] = readMigrations('sqlite');
      (MIGRATION_DIRS as Record<string, string>).sqlite = copy;
      try {
        appendFileSync(path.join(copy, first.name, 'migration.sql'), '\n-- edited\n');
        await expect(applyMigrations('sqlite', testDb.url)).rejects.toThrow(/changed after it was applied/);
      } finally {
        (MIGRATION_DIRS as Record<string, string>).sqlite = original;
      }
    } finally {
      await testDb.drop();
    }
  });

  it('keeps the SQLite and PostgreSQL migrations in step, and the PostgreSQL schema derived', () => {
    expect(readMigrations('postgres').map((m) => m.name)).toEqual(readMigrations('sqlite').map((m) => m.name));
    const sqliteSchema = readFileSync('prisma/schema.prisma', 'utf8');
    const postgresSchema = readFileSync('prisma/postgres/schema.prisma', 'utf8');
    const models = (s: string) => s.slice(s.indexOf('/// One accepted'));
    expect(models(postgresSchema)).toBe(models(sqliteSchema));
  });
});
