/**
 * Media stored content-addressed on disk: the file name is the sha256 of the bytes, so the
 * same upload twice is one file and one row, also when the two arrive at the same moment.
 * The type recorded is the one sniffed from the bytes: a client's declared type is not
 * trusted, since it decides how browsers treat the artifact when it is served.
 * Who may read an artifact is recorded per key in ArtifactOwner: two keys uploading the
 * same bytes share the file, and a third key cannot tell that it exists.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Prisma } from './database.js';
import { SYSTEM_TENANT, type Tenant } from './tenant.js';
import { KeyedLock } from './keyed-lock.js';
import { sniffMediaType } from '../inference/media/sniff.js';

export interface StoredArtifact {
  id: string;
  contentType: string;
  byteSize: number;
  createdAt: Date;
}

export class ArtifactStore {
  constructor(
    private readonly prisma: Prisma,
    private readonly dataDir: string,
    readonly tenant: Tenant = SYSTEM_TENANT,
    private readonly lock = new KeyedLock(),
  ) {}

  /** The same artifacts seen by one tenant: what it stores is linked to its key; it reads only what is linked. */
  for(tenant: Tenant): ArtifactStore {
    return new ArtifactStore(this.prisma, this.dataDir, tenant, this.lock);
  }

  pathOf(id: string): string {
    return path.join(this.dataDir, 'artifacts', id.slice(0, 2), id);
  }

  /** `_declaredType` is the client's claim, kept out of the record on purpose. */
  async put(bytes: Uint8Array, _declaredType?: string): Promise<StoredArtifact> {
    const contentType = sniffMediaType(bytes) ?? 'application/octet-stream';
    const id = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(id);
    const artifact = await this.lock.run(id, async () => {
      const exists = await stat(file).then((s) => s.size === bytes.byteLength, () => false);
      if (!exists) {
        await mkdir(path.dirname(file), { recursive: true });
        // Write then rename so a reader never sees half a file; the same bytes uploaded twice at
        // once (or by two replicas on a shared DATA_DIR) each get their own partial file.
        const partial = `${file}.${process.pid}.${randomUUID()}.partial`;
        await writeFile(partial, bytes);
        await rename(partial, file);
      }
      const storedAt = new Date();
      try {
        return await this.prisma.artifact.upsert({
          where: { id },
          create: { id, contentType, byteSize: bytes.byteLength, storedAt },
          update: { storedAt },
        });
      } catch (error) {
        // Two upserts of a new id race to insert; the loser finds the winner's row.
        if ((error as { code?: string }).code !== 'P2002') throw error;
        return this.prisma.artifact.update({ where: { id }, data: { storedAt } });
      }
    });
    await this.link(id, this.tenant.keyId);
    return artifact;
  }

  /** Records that a key may read the artifact (its own upload, or an output made for it). */
  async link(id: string, keyId: string | null): Promise<void> {
    if (keyId === null) return;
    try {
      await this.prisma.artifactOwner.upsert({
        where: { artifactId_keyId: { artifactId: id, keyId } },
        create: { artifactId: id, keyId },
        update: {},
      });
    } catch (error) {
      // The same key storing the same bytes twice at once: the other insert made the link.
      if ((error as { code?: string }).code !== 'P2002') throw error;
    }
  }

  /** Null for an id that does not exist and, alike, for one this tenant may not read. */
  async get(id: string, tenant: Tenant = this.tenant): Promise<StoredArtifact | null> {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    if (tenant.seesAll) return this.prisma.artifact.findUnique({ where: { id } });
    return this.prisma.artifact.findFirst({ where: { id, owners: { some: { keyId: tenant.keyId ?? '' } } } });
  }

  async canRead(id: string, tenant: Tenant = this.tenant): Promise<boolean> {
    return (await this.get(id, tenant)) !== null;
  }

  /**
   * Removes the artifact's row and file if nothing references it and its bytes were not
   * stored again after `storedNoLaterThan` (the moment its last referrer finished, or the
   * sweep's grace cut-off). True when the file was removed.
   */
  async removeIfUnreferenced(id: string, storedNoLaterThan: Date): Promise<boolean> {
    return this.lock.run(id, async () => {
      const removed = await this.prisma.$executeRaw`
        DELETE FROM "Artifact" WHERE "id" = ${id} AND ("storedAt" IS NULL OR "storedAt" <= ${storedNoLaterThan})
          AND NOT EXISTS (SELECT 1 FROM "RequestArtifact" WHERE "artifactId" = "Artifact"."id")
          AND NOT EXISTS (SELECT 1 FROM "CollectionItem" WHERE "artifactId" = "Artifact"."id")`;
      if (removed === 0) return false;
      await rm(this.pathOf(id), { force: true });
      return true;
    });
  }

  /** Up to `limit` artifacts nothing references that were last stored before `cutoff`: the sweep's candidates. */
  async unreferenced(cutoff: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Artifact" WHERE COALESCE("storedAt", "createdAt") < ${cutoff}
        AND NOT EXISTS (SELECT 1 FROM "RequestArtifact" WHERE "artifactId" = "Artifact"."id")
        AND NOT EXISTS (SELECT 1 FROM "CollectionItem" WHERE "artifactId" = "Artifact"."id")
      LIMIT ${Math.floor(limit)}`;
    return rows.map((r) => r.id);
  }
}
