/**
 * Media stored content-addressed on disk: the file name is the sha256 of the bytes, so the
 * same upload twice is one file and one row, also when the two arrive at the same moment.
 * The type recorded is the one sniffed from the bytes: a client's declared type is not
 * trusted, since it decides how browsers treat the artifact when it is served.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Prisma } from './database.js';
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
  ) {}

  pathOf(id: string): string {
    return path.join(this.dataDir, 'artifacts', id.slice(0, 2), id);
  }

  /** `_declaredType` is the client's claim, kept out of the record on purpose. */
  async put(bytes: Uint8Array, _declaredType?: string): Promise<StoredArtifact> {
    const contentType = sniffMediaType(bytes) ?? 'application/octet-stream';
    const id = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(id);
    const exists = await stat(file).then((s) => s.size === bytes.byteLength, () => false);
    if (!exists) {
      await mkdir(path.dirname(file), { recursive: true });
      // Write then rename so a reader never sees half a file.
      // Same bytes, same name: the last rename wins, and every one of them is complete.
      const partial = `${file}.${randomUUID()}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, file);
    }
    try {
      return await this.prisma.artifact.upsert({
        where: { id },
        create: { id, contentType, byteSize: bytes.byteLength },
        update: {},
      });
    } catch (error) {
      // Two upserts of a new id race to insert; the loser finds the winner's row.
      if ((error as { code?: string }).code !== 'P2002') throw error;
      return this.prisma.artifact.findUniqueOrThrow({ where: { id } });
    }
  }

  async get(id: string): Promise<StoredArtifact | null> {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    return this.prisma.artifact.findUnique({ where: { id } });
  }
}
