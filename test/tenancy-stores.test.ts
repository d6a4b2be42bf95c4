/**
 * Tenancy at the store level, on the real SQLite file and the real PostgreSQL: collections
 * and artifacts are per key (names too), admins see all, and another key's row reads
 * exactly like a missing one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { CollectionStore } from '../src/search/collection-store.js';
import { ArtifactStore } from '../src/db/artifact-store.js';
import { RequestStore } from '../src/db/request-store.js';
import type { Tenant } from '../src/db/tenant.js';
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from './support/databases.js';

const alice: Tenant = { keyId: 'key-alice', seesAll: false };
const bob: Tenant = { keyId: 'key-bob', seesAll: false };
const admin: Tenant = { keyId: 'key-admin', seesAll: true };

describe.each<DatabaseKindUnderTest>(['sqlite', 'postgres'])('on %s', (kind) => {
  let database: TestDatabase;
  let db: Database;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = await openDatabase(database.url);
    dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-tenancy-'));
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('collection names are per key; each key lists, reads, searches and deletes only its own', async () => {
    const store = await CollectionStore.open(db);
    const mine = await store.for(alice).create({ name: 'docs', model: 'm', dimension: 2 });
    const theirs = await store.for(bob).create({ name: 'docs', model: 'm', dimension: 2 });
    expect(mine.id).not.toBe(theirs.id);
    await expect(store.for(alice).create({ name: 'docs', model: 'm', dimension: 2 })).rejects.toThrow(/exists already/);

    await store.for(alice).addItems(mine, [{ modality: 'TEXT', vector: [1, 0], text: 'alice item' }]);
    expect((await store.for(alice).require('docs')).id).toBe(mine.id);
    expect((await store.for(bob).require('docs')).id).toBe(theirs.id);
    expect(await store.for(bob).search(await store.for(bob).require('docs'), [1, 0], { k: 5 })).toEqual([]);

    await store.for(alice).create({ name: 'alice-only', model: 'm', dimension: 2 });
    await expect(store.for(bob).require('alice-only')).rejects.toThrow('No collection named "alice-only".');
    await expect(store.for(bob).require('never-made')).rejects.toThrow('No collection named "never-made".');
    expect(await store.for(bob).delete('alice-only')).toBe(false);
    expect((await store.for(bob).list()).map((c) => c.name)).toEqual(['docs']);
    expect((await store.for(admin).list()).map((c) => c.name).sort()).toEqual(['alice-only', 'docs', 'docs']);
  });

  it('an artifact is readable by the keys that stored it and by admins only', async () => {
    const store = new ArtifactStore(db.prisma, dataDir);
    const bytes = new TextEncoder().encode(`shared bytes ${kind}`);
    const stored = await store.for(alice).put(bytes, 'application/octet-stream');
    expect(await store.for(alice).canRead(stored.id)).toBe(true);
    expect(await store.for(admin).canRead(stored.id)).toBe(true);
    expect(await store.for(bob).get(stored.id)).toBeNull();
    const again = await store.for(bob).put(bytes, 'application/octet-stream');
    expect(again.id).toBe(stored.id);
    expect(await store.for(bob).canRead(stored.id)).toBe(true);
  });

  it('requests record their owner; get, list and count see only the caller’s', async () => {
    const store = new RequestStore(db.prisma, db.kind);
    const row = await store.for(alice).create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'], inputText: 'Needle' });
    expect(row.ownerKeyId).toBe('key-alice');
    expect(await store.for(bob).get(row.id)).toBeNull();
    expect((await store.for(alice).get(row.id))?.id).toBe(row.id);
    expect((await store.for(admin).get(row.id))?.id).toBe(row.id);
    expect(await store.for(bob).count({ text: 'Needle' })).toBe(0);
    expect((await store.for(alice).list({ text: 'Needle' }, { first: 10 })).rows.map((r) => r.id)).toEqual([row.id]);
    const explicit = await store.create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'], ownerKeyId: 'key-bob' });
    expect((await store.for(bob).get(explicit.id))?.ownerKeyId).toBe('key-bob');
  });
});
