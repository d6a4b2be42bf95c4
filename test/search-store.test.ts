/**
 * The collection store and exact search on a real SQLite file and the real PostgreSQL:
 * results equal a brute force computed here in double precision, the in-memory index follows
 * inserts (its own, another store's on the same database, and across a reopen).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { CollectionStore, type CollectionRow } from '../src/search/collection-store.js';
import { PgVector } from '../src/search/pgvector.js';
import { topK } from '../src/search/top-k.js';
import { VectorIndex, type Modality } from '../src/search/vector-index.js';
import { normalized } from '../src/search/vectors.js';
import { TesseraError } from '../src/errors.js';
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from './support/databases.js';

/** Deterministic vectors: a small LCG so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

interface Truth {
  id: string;
  modality: Modality;
  vector: number[];
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function bruteForce(truth: Truth[], query: number[], k: number, modality?: Modality) {
  return truth
    .filter((t) => !modality || t.modality === modality)
    .map((t) => ({ id: t.id, score: cosine(t.vector, query) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/** Same scores rank by rank; same ids wherever neighbours differ by more than float32 rounding. */
function expectSameRanking(got: { id: string; score: number }[], want: { id: string; score: number }[]) {
  expect(got.map((h) => h.score).length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i].score).toBeCloseTo(want[i].score, 5);
    const gapBefore = i > 0 ? want[i - 1].score - want[i].score : Infinity;
    const gapAfter = i + 1 < want.length ? want[i].score - want[i + 1].score : Infinity;
    if (Math.min(gapBefore, gapAfter) > 1e-5) expect(got[i].id).toBe(want[i].id);
  }
}

describe('topK', () => {
  it('equals a full sort, ties to the lower index, with and without a filter', () => {
    const next = rng(7);
    // Rounded to 2 decimals so ties are common.
    const scores = Float32Array.from({ length: 5000 }, () => Math.round(next() * 100) / 100);
    const all = Array.from(scores, (score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
    for (const k of [1, 7, 100, 5000]) expect(topK(scores, scores.length, k)).toEqual(all.slice(0, k));
    const even = (i: number) => i % 2 === 0;
    expect(topK(scores, scores.length, 50, even)).toEqual(all.filter((r) => even(r.index)).slice(0, 50));
    expect(topK(scores, 10, 50)).toEqual(all.filter((r) => r.index < 10));
  });
});

describe('VectorIndex', () => {
  const DIM = 50;
  const unit = (values: number[]) => normalized(values, DIM);

  function build(vectors: number[][]) {
    const index = new VectorIndex(DIM);
    const truth: Truth[] = vectors.map((vector, i) => ({ id: `r${i}`, modality: i % 4 === 0 ? 'IMAGE' : 'TEXT', vector }));
    for (const t of truth) index.add(t.id, t.modality, unit(t.vector));
    return { index, truth };
  }

  it('int8 pass + exact rescoring equals brute force and the float32 scan of every row', () => {
    const next = rng(11);
    const { index, truth } = build(Array.from({ length: 3000 }, () => Array.from({ length: DIM }, next)));
    for (let q = 0; q < 20; q++) {
      const query = Array.from({ length: DIM }, next);
      const modality = q % 3 === 0 ? 'IMAGE' : undefined;
      const k = [1, 10, 100, 1000][q % 4];
      const want = bruteForce(truth, query, k, modality);
      expectSameRanking(index.search(unit(query), k, modality), want);
      expectSameRanking(index.searchExhaustive(unit(query), k, modality), want);
    }
  });

  it('stays exact on near-duplicate vectors, where the int8 bounds cannot separate rows', () => {
    const next = rng(12);
    const base = Array.from({ length: DIM }, next);
    const { index, truth } = build(Array.from({ length: 2000 }, () => base.map((v) => v + next() * 1e-3)));
    for (let q = 0; q < 5; q++) {
      const query = base.map((v) => v + next() * 1e-3);
      expectSameRanking(index.search(unit(query), 20), bruteForce(truth, query, 20));
    }
  });

  it('keeps every row through the memory growing row by row, searched along the way', () => {
    const next = rng(13);
    const index = new VectorIndex(DIM);
    const truth: Truth[] = [];
    for (let i = 0; i < 1300; i++) {
      const vector = Array.from({ length: DIM }, next);
      truth.push({ id: `r${i}`, modality: 'TEXT', vector });
      index.add(`r${i}`, 'TEXT', unit(vector));
      if (i % 97 === 0 || i === 1299) {
        const query = Array.from({ length: DIM }, next);
        const got = index.search(unit(query), 5);
        expect(got.every((h) => Number.isFinite(h.score))).toBe(true);
        expectSameRanking(got, bruteForce(truth, query, 5));
        expectSameRanking(index.searchExhaustive(unit(query), 5), bruteForce(truth, query, 5));
      }
    }
    // Each row still finds itself first.
    for (const t of truth.filter((_, i) => i % 50 === 0)) expect(index.search(unit(t.vector), 1)[0].id).toBe(t.id);
  });
});

for (const kind of ['sqlite', 'postgres'] as DatabaseKindUnderTest[]) {
  describe(`collection store on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Database;
    let store: CollectionStore;
    let collection: CollectionRow;
    const truth: Truth[] = [];
    const next = rng(kind === 'sqlite' ? 1 : 2);
    // 37 is not a multiple of the kernel's 8-float rows, so the padding is exercised.
    const DIM = 37;

    const vector = () => Array.from({ length: DIM }, next);
    async function add(target: CollectionStore, count: number) {
      const items = Array.from({ length: count }, (_, i) => ({
        modality: (i % 3 === 0 ? 'IMAGE' : 'TEXT') as Modality,
        vector: vector(),
        text: `item ${truth.length + i}`,
        metadata: { n: truth.length + i },
      }));
      const rows = await target.addItems(collection, items);
      rows.forEach((row, i) => truth.push({ id: row.id, modality: items[i].modality, vector: items[i].vector }));
      return rows;
    }
    async function fresh(target: CollectionStore) {
      return (await target.get(collection.name))!;
    }
    async function expectExact(target: CollectionStore, queries = 5) {
      for (let q = 0; q < queries; q++) {
        const query = vector();
        const modality = q % 2 === 0 ? undefined : (['TEXT', 'IMAGE'] as const)[q % 4 === 1 ? 0 : 1];
        const got = await target.search(await fresh(target), query, { k: 25, modality });
        expectSameRanking(got.map((h) => ({ id: h.item.id, score: h.score })), bruteForce(truth, query, 25, modality));
        if (modality) expect(got.every((h) => h.item.modality === modality)).toBe(true);
      }
    }

    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      db = await openDatabase(testDb.url);
      store = new CollectionStore(db.prisma, null);
      collection = await store.create({ name: 'vectors', model: 'raw', dimension: DIM });
    });

    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    it('finds exactly the brute-force top k, with the modality filter', async () => {
      await add(store, 1200);
      await expectExact(store, 8);
    });

    it('returns the stored rows with their text and metadata, best first', async () => {
      const target = truth[10];
      const [hit] = await store.search(await fresh(store), target.vector, { k: 1 });
      expect(hit.item).toMatchObject({ id: target.id, text: 'item 10', metadata: { n: 10 }, modality: target.modality });
      expect(hit.score).toBeCloseTo(1, 5);
    });

    it('keeps the loaded index in step with its own inserts', async () => {
      await add(store, 300);
      await expectExact(store);
      expect((await fresh(store)).itemCount).toBe(truth.length);
    });

    it("sees another store's inserts on the same database (another process)", async () => {
      const other = new CollectionStore(db.prisma, null);
      await add(other, 50);
      await expectExact(store);
    });

    it('rebuilds the same index after the database is reopened, on first use or preloaded', async () => {
      await db.close();
      db = await openDatabase(testDb.url);
      store = new CollectionStore(db.prisma, null);
      await expectExact(store);
      // The same through the start-up preload.
      const warmed = new CollectionStore(db.prisma, null);
      await warmed.warm();
      await expectExact(warmed);
    });

    it('returns fewer than k when the collection is smaller, and nothing when empty', async () => {
      const small = await store.create({ name: 'small', model: 'raw', dimension: DIM });
      expect(await store.search(small, vector(), { k: 5 })).toEqual([]);
      await store.addItems(small, [{ modality: 'TEXT', vector: vector() }, { modality: 'IMAGE', vector: vector() }]);
      expect(await store.search((await store.get('small'))!, vector(), { k: 5 })).toHaveLength(2);
    });

    it('refuses bad input with BAD_USER_INPUT, an unknown name with NOT_FOUND', async () => {
      const current = await fresh(store);
      const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof TesseraError ? e.code : String(e)));
      expect(await code(store.search(current, vector(), { k: 0 }))).toBe('BAD_USER_INPUT');
      expect(await code(store.search(current, vector(), { k: 1001 }))).toBe('BAD_USER_INPUT');
      expect(await code(store.search(current, vector(), { k: 1.5 }))).toBe('BAD_USER_INPUT');
      expect(await code(store.search(current, [1, 2, 3], { k: 5 }))).toBe('BAD_USER_INPUT');
      expect(await code(store.search(current, new Array(DIM).fill(0), { k: 5 }))).toBe('BAD_USER_INPUT');
      expect(await code(store.addItems(current, [{ modality: 'TEXT', vector: [1] }]))).toBe('BAD_USER_INPUT');
      expect(await code(store.create({ name: 'vectors', model: 'raw', dimension: 4 }))).toBe('BAD_USER_INPUT');
      expect(await code(store.require('nope'))).toBe('NOT_FOUND');
      // A refused insert wrote nothing.
      expect((await fresh(store)).itemCount).toBe(truth.length);
    });

    it('deletes a collection with its items; the name can be reused', async () => {
      expect(await store.delete('small')).toBe(true);
      expect(await store.delete('small')).toBe(false);
      const again = await store.create({ name: 'small', model: 'raw', dimension: 3 });
      expect(await store.search(again, [1, 0, 0], { k: 5 })).toEqual([]);
      expect(await db.prisma.collectionItem.count({ where: { collection: { name: 'small' } } })).toBe(0);
    });
  });
}

describe('pgvector', () => {
  let testDb: TestDatabase;
  let db: Database;
  let pgvector: PgVector | null = null;

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    db = await openDatabase(testDb.url);
    pgvector = await PgVector.detect(db.prisma);
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('is used only when the server offers the extension', async () => {
    const offered = await db.prisma.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
    expect(pgvector !== null).toBe(offered.length > 0);
  });

  // Skipped where the server lacks pgvector: Debian bookworm (here and in CI) has no postgresql-15-pgvector package.
  it('ranks in PostgreSQL exactly as the in-memory index does', async (ctx) => {
    if (!pgvector) ctx.skip();
    const memory = new CollectionStore(db.prisma, null);
    const inDb = new CollectionStore(db.prisma, pgvector);
    const next = rng(3);
    const collection = await inDb.create({ name: 'pg', model: 'raw', dimension: 16 });
    await inDb.addItems(collection, Array.from({ length: 500 }, (_, i) => ({ modality: (i % 2 ? 'TEXT' : 'IMAGE') as Modality, vector: Array.from({ length: 16 }, next) })));
    const current = (await inDb.get('pg'))!;
    for (let q = 0; q < 5; q++) {
      const query = Array.from({ length: 16 }, next);
      const a = await memory.search(current, query, { k: 20 });
      const b = await inDb.search(current, query, { k: 20 });
      expectSameRanking(b.map((h) => ({ id: h.item.id, score: h.score })), a.map((h) => ({ id: h.item.id, score: h.score })));
    }
  });
});
