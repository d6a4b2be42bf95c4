/**
 * The history's search, counting, deletion and retention at the store level, on the real
 * SQLite file and the real PostgreSQL, with real files on disk.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { RequestStore } from '../src/db/request-store.js';
import { ArtifactStore } from '../src/db/artifact-store.js';
import { CollectionStore } from '../src/search/collection-store.js';
import type { Tenant } from '../src/db/tenant.js';
import { deleteMatching, deleteRequestIds } from '../src/history/delete-requests.js';
import { HistoryRetention } from '../src/history/retention.js';
import { createLogger } from '../src/logger.js';
import { SQLITE_RARE_TEXT_MATCHES } from '../src/db/request-query.js';
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from './support/databases.js';

const alice: Tenant = { keyId: 'key-alice', seesAll: false };
const bob: Tenant = { keyId: 'key-bob', seesAll: false };
const DAY = 86_400_000;

describe.each<DatabaseKindUnderTest>(['sqlite', 'postgres'])('history on %s', (kind) => {
  let database: TestDatabase;
  let db: Database;
  let dataDir: string;
  let requests: RequestStore;
  let artifacts: ArtifactStore;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = await openDatabase(database.url);
    dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-history-'));
    requests = new RequestStore(db.prisma, db.kind, undefined, null, db.textSearchIndexed);
    artifacts = new ArtifactStore(db.prisma, dataDir);
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function finished(tenant: Tenant, input: { task?: string; inputText?: string; outputText?: string; artifactIds?: string[] }) {
    const store = requests.for(tenant);
    const row = await store.create({
      task: input.task ?? 'TEXT_GENERATION',
      model: 'm',
      parameters: {},
      inputModalities: ['TEXT'],
      inputText: input.inputText ?? null,
      inputArtifactIds: input.artifactIds,
    });
    return store.complete(row.id, { outputText: input.outputText ?? null });
  }

  const texts = async (tenant: Tenant, text: string) =>
    (await requests.list({ text, parentId: null }, { first: 50 }, tenant)).rows.map((r) => r.inputText ?? r.outputText);

  it('finds words in inputs and outputs, in any case, Chinese included, and only the caller’s', async () => {
    await finished(alice, { inputText: 'Tell me about the Dragon of Wantley', outputText: 'It was a fearsome beast.' });
    await finished(alice, { inputText: 'summarise', outputText: 'A story of a dragonfly and a frog.' });
    await finished(alice, { inputText: '请介绍一下长城的历史', outputText: '长城是中国古代的军事防御工程。' });
    await finished(alice, { inputText: '猫', outputText: '猫是一种小型哺乳动物' });
    await finished(bob, { inputText: 'bob asks about a dragon too' });

    expect(await texts(alice, 'dragon')).toEqual(['summarise', 'Tell me about the Dragon of Wantley']);
    expect(await texts(alice, 'FEARSOME')).toEqual(['Tell me about the Dragon of Wantley']);
    expect(await texts(alice, '长城的历史')).toEqual(['请介绍一下长城的历史']);
    expect(await texts(alice, '军事防御')).toEqual(['请介绍一下长城的历史']);
    // Shorter than a trigram: matched by the newest-first scan.
    expect(await texts(alice, '长城')).toEqual(['请介绍一下长城的历史']);
    expect(await texts(alice, '猫')).toEqual(['猫']);
    expect(await texts(alice, '100%')).toEqual([]);
    expect(await texts(alice, 'not there at all')).toEqual([]);
    expect(await texts(bob, 'dragon')).toEqual(['bob asks about a dragon too']);
    expect(await texts({ keyId: 'admin', seesAll: true }, 'dragon')).toHaveLength(3);
  });

  it('keeps search in step with updates and deletes', async () => {
    const row = await requests.for(alice).create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'] });
    expect(await texts(alice, 'unicorn')).toEqual([]);
    await requests.for(alice).complete(row.id, { outputText: 'a unicorn on a receipt' });
    expect(await texts(alice, 'unicorn')).toEqual(['a unicorn on a receipt']);
    await deleteRequestIds(requests.for(alice), artifacts, [row.id]);
    expect(await texts(alice, 'unicorn')).toEqual([]);
  });

  it('combines filters and pages through text matches without gaps or repeats', async () => {
    const carol: Tenant = { keyId: 'key-carol', seesAll: false };
    for (let i = 0; i < 7; i++) await finished(carol, { task: i % 2 ? 'OCR' : 'TEXT_GENERATION', inputText: `page item ${i} with kittens` });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await requests.list({ text: 'kittens', task: 'TEXT_GENERATION', parentId: null }, { first: 2, after }, carol);
      seen.push(...page.rows.map((r) => r.inputText!));
      if (!page.hasNextPage) break;
      after = page.rows.at(-1)!.id;
    }
    expect(seen).toEqual(['page item 6 with kittens', 'page item 4 with kittens', 'page item 2 with kittens', 'page item 0 with kittens']);
    expect(await requests.countBounded({ text: 'kittens', task: 'OCR' }, carol)).toEqual({ count: 3, isEstimate: false });
    const since = new Date(Date.now() - 60_000);
    expect((await requests.countBounded({ since, until: new Date(Date.now() + 1000) }, carol)).count).toBe(7);
    expect((await requests.countBounded({ until: new Date(Date.now() - 60_000) }, carol)).count).toBe(0);
  });

  it('pages a frequent word (more matches than the rare-text threshold) exactly like a rare one', async () => {
    const hal: Tenant = { keyId: 'key-hal', seesAll: false };
    const total = SQLITE_RARE_TEXT_MATCHES + 50;
    const base = Date.now() - total * 1000;
    const ids = Array.from({ length: total }, (_, i) => {
      const hex = (base + i * 1000).toString(16).padStart(12, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${i.toString(16).padStart(12, '0')}`;
    });
    await db.prisma.inferenceRequest.createMany({
      data: ids.map((id, i) => ({
        id,
        task: i % 2 ? 'OCR' : 'VAD',
        model: 'm',
        status: 'COMPLETED',
        parameters: {},
        inputModalities: 'TEXT',
        inputText: i % 3 === 0 ? `no match ${i}` : `a frequent marmalade ${i}`,
        createdAt: new Date(base + i * 1000),
        ownerKeyId: hal.keyId,
      })),
    });
    const expected = ids.filter((_, i) => i % 3 !== 0 && i % 2 === 1).reverse();
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await requests.list({ text: 'marmalade', task: 'OCR', parentId: null }, { first: 100, after }, hal);
      seen.push(...page.rows.map((r) => r.id));
      if (!page.hasNextPage) break;
      after = page.rows.at(-1)!.id;
    }
    expect(seen).toEqual(expected);
    expect(await requests.countBounded({ text: 'marmalade' }, hal)).toEqual({ count: ids.filter((_, i) => i % 3 !== 0).length, isEstimate: false });
  });

  it('counts exactly up to the limit and flags an estimate past it', async () => {
    const dave: Tenant = { keyId: 'key-dave', seesAll: false };
    for (let i = 0; i < 12; i++) await finished(dave, { inputText: `row ${i}` });
    expect(await requests.countBounded({}, dave, 12)).toEqual({ count: 12, isEstimate: false });
    const estimate = await requests.countBounded({}, dave, 5);
    expect(estimate.isEstimate).toBe(true);
    expect(estimate.count).toBeGreaterThan(5);
  });

  it('deletes a request, its steps and the files only it referenced; a file still referenced survives', async () => {
    const erin: Tenant = { keyId: 'key-erin', seesAll: false };
    const mine = artifacts.for(erin);
    const only = await mine.put(new TextEncoder().encode(`only-${kind}`), 'image/png');
    const shared = await mine.put(new TextEncoder().encode(`shared-${kind}`), 'image/png');
    const inCollection = await mine.put(new TextEncoder().encode(`collection-${kind}`), 'image/png');
    const collections = await CollectionStore.open(db);
    const collection = await collections.for(erin).create({ name: `keep-${kind}`, model: 'm', dimension: 2 });
    await collections.for(erin).addItems(collection, [{ modality: 'IMAGE', vector: [1, 0], artifactId: inCollection.id }]);

    const parent = await finished(erin, { task: 'PIPELINE', inputText: 'pipeline to delete', artifactIds: [only.id, shared.id, inCollection.id] });
    const step = await requests.for(erin).create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'], parentId: parent.id, inputArtifactIds: [only.id] });
    await requests.for(erin).complete(step.id, { outputText: 'step text' });
    const keeper = await finished(erin, { inputText: 'keeps the shared file', artifactIds: [shared.id] });

    expect(await deleteRequestIds(requests.for(bob), artifacts.for(bob), [parent.id])).toEqual({ deleted: 0, artifactsRemoved: 0 });
    const report = await deleteRequestIds(requests.for(erin), mine, [parent.id]);
    expect(report).toEqual({ deleted: 1, artifactsRemoved: 1 });
    expect(await requests.get(parent.id)).toBeNull();
    expect(await requests.get(step.id)).toBeNull();
    expect(existsSync(mine.pathOf(only.id))).toBe(false);
    expect(await artifacts.get(only.id)).toBeNull();
    expect(existsSync(mine.pathOf(shared.id))).toBe(true);
    expect(existsSync(mine.pathOf(inCollection.id))).toBe(true);
    expect(await texts(erin, 'pipeline to delete')).toEqual([]);
    expect(await texts(erin, 'step text')).toEqual([]);

    await deleteRequestIds(requests.for(erin), mine, [keeper.id]);
    expect(existsSync(mine.pathOf(shared.id))).toBe(false);
  });

  it('never deletes a queued or running request, and keeps a file stored again after its referrer finished', async () => {
    const frank: Tenant = { keyId: 'key-frank', seesAll: false };
    const queued = await requests.for(frank).create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'] });
    const running = await requests.for(frank).create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'] });
    await requests.for(frank).markRunning(running.id);
    const bytes = new TextEncoder().encode(`again-${kind}`);
    const file = await artifacts.for(frank).put(bytes, 'image/png');
    const done = await finished(frank, { inputText: 'done', artifactIds: [file.id] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The same bytes uploaded again for a request not written yet.
    await artifacts.for(frank).put(bytes, 'image/png');

    const report = await deleteMatching(requests.for(frank), artifacts.for(frank), {});
    expect(report).toEqual({ deleted: 1, artifactsRemoved: 0 });
    expect(await requests.get(done.id)).toBeNull();
    expect((await requests.get(queued.id))?.status).toBe('QUEUED');
    expect((await requests.get(running.id))?.status).toBe('RUNNING');
    expect(existsSync(artifacts.pathOf(file.id))).toBe(true);
  });

  it('retention removes only finished rows past their age, per task, and sweeps old orphaned files', async () => {
    const gina: Tenant = { keyId: 'key-gina', seesAll: false };
    const old = new Date(Date.now() - 40 * DAY);
    const oldOcr = await finished(gina, { task: 'OCR', inputText: 'old ocr' });
    const oldGen = await finished(gina, { task: 'TEXT_GENERATION', inputText: 'old generation' });
    const oldRunning = await requests.for(gina).create({ task: 'OCR', model: 'm', parameters: {}, inputModalities: ['IMAGE'] });
    await requests.for(gina).markRunning(oldRunning.id);
    // Age the rows as if made 40 days ago: createdAt and the time in the UUIDv7 id alike.
    for (const row of [oldOcr, oldGen, oldRunning]) {
      const agedId = old.getTime().toString(16).padStart(12, '0');
      const newId = `${agedId.slice(0, 8)}-${agedId.slice(8)}${row.id.slice(13)}`;
      await db.prisma.inferenceRequest.update({ where: { id: row.id }, data: { id: newId, createdAt: old } });
      Object.assign(row, { id: newId });
    }
    const fresh = await finished(gina, { task: 'OCR', inputText: 'fresh ocr' });
    const orphan = await artifacts.put(new TextEncoder().encode(`orphan-${kind}`), 'image/png');
    await db.prisma.artifact.update({ where: { id: orphan.id }, data: { storedAt: old } });
    const recentOrphan = await artifacts.put(new TextEncoder().encode(`recent-orphan-${kind}`), 'image/png');

    const retention = new HistoryRetention(requests, artifacts, { defaultDays: 60, byTask: { OCR: 30 } }, createLogger('silent'), { batchSize: 2 });
    const report = await retention.runOnce();
    expect(report.deleted).toBe(1);
    expect(await requests.get(oldOcr.id)).toBeNull();
    expect(await requests.get(oldGen.id)).not.toBeNull();
    expect((await requests.get(oldRunning.id))?.status).toBe('RUNNING');
    expect(await requests.get(fresh.id)).not.toBeNull();
    expect(existsSync(artifacts.pathOf(orphan.id))).toBe(false);
    expect(existsSync(artifacts.pathOf(recentOrphan.id))).toBe(true);

    await new HistoryRetention(requests, artifacts, { defaultDays: 30, byTask: {} }, createLogger('silent')).runOnce();
    expect(await requests.get(oldGen.id)).toBeNull();
    expect(await requests.get(fresh.id)).not.toBeNull();
  });
});
