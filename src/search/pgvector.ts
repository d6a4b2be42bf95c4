/**
 * Search inside PostgreSQL with the pgvector extension, used when the server offers it.
 * The `vector` column is added here rather than in a migration because the extension may be
 * installed on the server after the migrations ran, and it has no fixed dimension because
 * each collection has its own. Vectors are unit length, so the inner product is the cosine;
 * `<#>` is the negative inner product and ORDER BY on it is an exact scan.
 */
import type { Prisma } from '../db/database.js';
import type { IndexHit, Modality } from './vector-index.js';
import { fromBytes } from './vectors.js';

const literal = (vector: Float32Array) => `[${Array.from(vector).join(',')}]`;
const BACKFILL_PAGE = 1000;

export class PgVector {
  private constructor(private readonly prisma: Prisma) {}

  /** pgvector when the server has it and this role may create it; null otherwise (search stays in memory). */
  static async detect(prisma: Prisma): Promise<PgVector | null> {
    const available = await prisma.$queryRawUnsafe<{ name: string }[]>(
      `SELECT name FROM pg_available_extensions WHERE name = 'vector'`,
    );
    if (available.length === 0) return null;
    try {
      await prisma.$executeRawUnsafe('CREATE EXTENSION IF NOT EXISTS vector');
      await prisma.$executeRawUnsafe('ALTER TABLE "CollectionItem" ADD COLUMN IF NOT EXISTS "embeddingVector" vector');
    } catch {
      return null;
    }
    const store = new PgVector(prisma);
    await store.backfill();
    return store;
  }

  /** Rows written before the extension existed get their vector column from the stored bytes. */
  private async backfill(): Promise<void> {
    for (;;) {
      const rows = await this.prisma.$queryRawUnsafe<{ id: string; embedding: Uint8Array }[]>(
        `SELECT id, embedding FROM "CollectionItem" WHERE "embeddingVector" IS NULL LIMIT ${BACKFILL_PAGE}`,
      );
      if (rows.length === 0) return;
      await this.write(rows.map((row) => ({ id: row.id, vector: fromBytes(row.embedding) })));
    }
  }

  /** The statement that sets the vector column of these rows, to run inside the insert's transaction. */
  write(rows: { id: string; vector: Float32Array }[]): ReturnType<Prisma['$executeRawUnsafe']> {
    return this.prisma.$executeRawUnsafe(
      `UPDATE "CollectionItem" AS item SET "embeddingVector" = v.vec::vector
       FROM unnest($1::text[], $2::text[]) AS v(id, vec) WHERE item.id = v.id`,
      rows.map((row) => row.id),
      rows.map((row) => literal(row.vector)),
    );
  }

  async search(collectionId: string, query: Float32Array, k: number, modality?: Modality): Promise<IndexHit[]> {
    const rows = await this.prisma.$queryRawUnsafe<{ id: string; score: number }[]>(
      `SELECT id, -("embeddingVector" <#> $1::vector) AS score FROM "CollectionItem"
       WHERE "collectionId" = $2 AND ($3::text IS NULL OR modality = $3)
       ORDER BY "embeddingVector" <#> $1::vector, id LIMIT $4`,
      literal(query),
      collectionId,
      modality ?? null,
      k,
    );
    return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }
}
