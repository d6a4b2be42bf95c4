/**
 * Media stored content-addressed on disk: the file name is the sha256 of the bytes, so the
 * same upload twice is one file and one row. Request rows only reference artifacts.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Prisma } from './database.js';

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

  async put(bytes: Uint8Array, contentType: string): Promise<StoredArtifact> {
    const id = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(id);
    const exists = await stat(file).then((s) => s.size === bytes.byteLength, () => false);
    if (!exists) {
      await mkdir(path.dirname(file), { recursive: true });
      // Write then rename so a reader never sees half a file.
      const partial = `${file}.${process.pid}.${Date.now()}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, file);
    }
    return this.prisma.artifact.upsert({
      where: { id },
      create: { id, contentType, byteSize: bytes.byteLength },
      update: {},
    });
  }

  async get(id: string): Promise<StoredArtifact | null> {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    return this.prisma.artifact.findUnique({ where: { id } });
  }
}
