/**
 * Collections and their items in the database (the source of truth) and, per collection, an
 * in-memory VectorIndex built from those rows on first use and appended to on each insert.
 * The collection row's itemCount is bumped in the insert's transaction, so a search that
 * finds its index holding fewer rows (another process inserted) rebuilds it first.
 * On PostgreSQL with pgvector, search runs in the database instead (see pgvector.ts).
 */
import { v7 as uuidv7 } from 'uuid';
import type { Database, Prisma } from '../db/database.js';
import type { Collection, CollectionItem } from '../generated/prisma/sqlite/client.js';
import { badInput, TesseraError } from '../errors.js';
import { normalized, readBytesInto, toBytes } from './vectors.js';
import { VectorIndex, type Modality } from './vector-index.js';
import { PgVector } from './pgvector.js';
import { ownedBy, SYSTEM_TENANT, type Tenant } from '../db/tenant.js';

export type CollectionRow = Collection;
export type ItemRow = Omit<CollectionItem, 'embedding'>;

export interface NewItem {
  modality: Modality;
  vector: ArrayLike<number>;
  text?: string | null;
  artifactId?: string | null;
  metadata?: unknown;
}

export interface SearchOptions {
  k: number;
  modality?: Modality | null;
}

export interface SearchHit {
  item: ItemRow;
  score: number;
}

export const MAX_K = 1000;
const LOAD_PAGE = 5000;

/** The indexes and locks one process keeps, shared by every tenant's view of the store. */
interface SharedState {
  readonly indexes: Map<string, VectorIndex>;
  /** Per collection id: the tail of its chain of loads and inserts, so they never interleave. */
  readonly locks: Map<string, Promise<unknown>>;
}

export class CollectionStore {
  private readonly indexes: Map<string, VectorIndex>;
  private readonly locks: Map<string, Promise<unknown>>;

  constructor(
    private readonly prisma: Prisma,
    private readonly pgvector: PgVector | null = null,
    readonly tenant: Tenant = SYSTEM_TENANT,
    shared: SharedState = { indexes: new Map(), locks: new Map() },
  ) {
    this.indexes = shared.indexes;
    this.locks = shared.locks;
  }

  /**
   * The collections one tenant sees: names are per owner, so another key's "docs" is neither
   * visible nor in the way of creating one's own. An admin sees every owner's.
   */
  for(tenant: Tenant): CollectionStore {
    return new CollectionStore(this.prisma, this.pgvector, tenant, { indexes: this.indexes, locks: this.locks });
  }

  /** The store for a server: pgvector when PostgreSQL offers it, else in-memory exact search. */
  static async open(db: Database): Promise<CollectionStore> {
    return new CollectionStore(db.prisma, db.kind === 'postgres' ? await PgVector.detect(db.prisma) : null);
  }

  /** Which search runs: 'pgvector' in PostgreSQL, or 'memory' (exact, in this process). */
  get backend(): 'pgvector' | 'memory' {
    return this.pgvector ? 'pgvector' : 'memory';
  }

  async create(input: { name: string; model: string; dimension: number }): Promise<CollectionRow> {
    const name = input.name.trim();
    if (!name || name.length > 200) throw badInput('A collection name is 1 to 200 characters.');
    if (!Number.isInteger(input.dimension) || input.dimension < 1 || input.dimension > 16384) {
      throw badInput(`Dimension ${input.dimension} is out of range (1..16384).`);
    }
    if (await this.ownedNamed(name, this.tenant.keyId)) throw duplicate(name);
    try {
      return await this.prisma.collection.create({
        data: { id: uuidv7(), name, ownerKeyId: this.tenant.keyId, model: input.model, dimension: input.dimension },
      });
    } catch (error) {
      // Two creates racing past the check above: the unique index decides.
      if ((error as { code?: string }).code === 'P2002') throw duplicate(name);
      throw error;
    }
  }

  /** Several owners may use one name: an admin gets its own (or the unowned one) first, then the oldest. */
  async get(name: string, tenant: Tenant = this.tenant): Promise<CollectionRow | null> {
    const own = await this.ownedNamed(name, tenant.keyId);
    if (own || !tenant.seesAll) return own;
    return this.prisma.collection.findFirst({ where: { name }, orderBy: { id: 'asc' } });
  }

  private ownedNamed(name: string, keyId: string | null): Promise<CollectionRow | null> {
    return this.prisma.collection.findFirst({ where: { name, ownerKeyId: keyId } });
  }

  async require(name: string): Promise<CollectionRow> {
    const collection = await this.get(name);
    if (!collection) throw new TesseraError('NOT_FOUND', `No collection named "${name}".`, { collection: name });
    return collection;
  }

  list(tenant: Tenant = this.tenant): Promise<CollectionRow[]> {
    return this.prisma.collection.findMany({ where: ownedBy(tenant), orderBy: [{ name: 'asc' }, { id: 'asc' }] });
  }

  async delete(name: string): Promise<boolean> {
    const collection = await this.get(name);
    if (!collection) return false;
    await this.serialized(collection.id, () =>
      this.prisma.$transaction([
        this.prisma.collectionItem.deleteMany({ where: { collectionId: collection.id } }),
        this.prisma.collection.delete({ where: { id: collection.id } }),
      ]),
    );
    this.indexes.delete(collection.id);
    return true;
  }

  /** Persists the items (vectors normalised) and appends them to the loaded index, if any. */
  async addItems(collection: CollectionRow, items: NewItem[]): Promise<ItemRow[]> {
    const prepared = items.map((item) => ({ ...item, vector: normalized(item.vector, collection.dimension) }));
    const createdAt = new Date();
    const rows = prepared.map((item) => ({
      id: uuidv7(),
      collectionId: collection.id,
      modality: item.modality,
      text: item.text ?? null,
      artifactId: item.artifactId ?? null,
      metadata: item.metadata === undefined || item.metadata === null ? null : item.metadata,
      createdAt,
    }));
    return this.serialized(collection.id, async () => {
      await this.prisma.$transaction([
        this.prisma.collectionItem.createMany({
          data: rows.map((row, i) => ({
            ...row,
            metadata: (row.metadata ?? undefined) as object | undefined,
            embedding: toBytes(prepared[i].vector),
          })),
        }),
        this.prisma.collection.update({ where: { id: collection.id }, data: { itemCount: { increment: rows.length } } }),
        ...(this.pgvector ? [this.pgvector.write(rows.map((row, i) => ({ id: row.id, vector: prepared[i].vector })))] : []),
      ]);
      const index = this.indexes.get(collection.id);
      if (index) {
        index.reserve(index.size + rows.length);
        rows.forEach((row, i) => index.add(row.id, row.modality, prepared[i].vector));
      }
      return rows as ItemRow[];
    });
  }

  async search(collection: CollectionRow, query: ArrayLike<number>, options: SearchOptions): Promise<SearchHit[]> {
    checkK(options.k);
    const vector = normalized(query, collection.dimension);
    const modality = options.modality ?? undefined;
    const ranked = this.pgvector
      ? await this.pgvector.search(collection.id, vector, options.k, modality)
      : (await this.indexFor(collection)).search(vector, options.k, modality);
    if (ranked.length === 0) return [];
    const rows = await this.prisma.collectionItem.findMany({
      where: { id: { in: ranked.map((hit) => hit.id) } },
      omit: { embedding: true },
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ranked.flatMap(({ id, score }) => {
      const item = byId.get(id);
      return item ? [{ item, score }] : [];
    });
  }

  /**
   * Loads every collection's index, so the first search after a start does not wait for it
   * (reading the rows back costs ~90 µs each through Prisma: 9 s for 100k). Servers call it
   * without awaiting; a search that comes first waits for the same load.
   */
  async warm(): Promise<void> {
    if (this.pgvector) return;
    for (const collection of await this.list()) await this.indexFor(collection);
  }

  /** The loaded index, rebuilt from the rows when missing or behind the collection's count. */
  async indexFor(collection: CollectionRow): Promise<VectorIndex> {
    const current = this.indexes.get(collection.id);
    if (current && current.size >= collection.itemCount) return current;
    return this.serialized(collection.id, async () => {
      const again = this.indexes.get(collection.id);
      if (again && again.size >= collection.itemCount) return again;
      const index = await this.load(collection);
      this.indexes.set(collection.id, index);
      return index;
    });
  }

  private async load(collection: CollectionRow): Promise<VectorIndex> {
    const index = new VectorIndex(collection.dimension);
    index.reserve(collection.itemCount);
    let cursor: string | undefined;
    for (;;) {
      const page = await this.prisma.collectionItem.findMany({
        where: { collectionId: collection.id, ...(cursor ? { id: { gt: cursor } } : {}) },
        select: { id: true, modality: true, embedding: true },
        orderBy: { id: 'asc' },
        take: LOAD_PAGE,
      });
      if (page.length === 0) break;
      index.reserve(index.size + page.length);
      for (const row of page) {
        readBytesInto(row.embedding, index.rowView(index.size), 0);
        index.commitRow(row.id, row.modality as Modality);
      }
      cursor = page[page.length - 1].id;
      if (page.length < LOAD_PAGE) break;
    }
    return index;
  }

  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }
}

/** Separate so a resolver can refuse a bad k before it runs an embedding. */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw badInput(`k must be an integer from 1 to ${MAX_K}; got ${k}.`, { k });
}

const duplicate = (name: string) => badInput(`A collection named "${name}" exists already.`, { collection: name });
