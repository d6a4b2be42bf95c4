/**
 * SHA-256 of model files, remembered per model folder so a restart does not hash hundreds
 * of megabytes again. The key is size, mtime, ctime and inode: size and mtime alone can be
 * put back after an in-place rewrite (utimes), but ctime is set by the kernel on every change
 * and cannot be, and a replaced file has a new inode. Any of them moving means hashing afresh.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CHECKSUM_CACHE_FILE = '.checksums.json';

interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

interface CacheEntry extends FileIdentity {
  sha256: string;
}

const sameFile = (a: FileIdentity, b: FileIdentity) =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;

type CacheFile = Record<string, CacheEntry>;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
}

/** Hashes files of one model folder, reading and writing that folder's cache once per check. */
export class ChecksumCache {
  private entries: CacheFile | undefined;
  private dirty = false;

  constructor(private readonly modelDir: string) {}

  private get cachePath(): string {
    return join(this.modelDir, CHECKSUM_CACHE_FILE);
  }

  private async load(): Promise<CacheFile> {
    if (this.entries) return this.entries;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.cachePath, 'utf8'));
      this.entries = parsed && typeof parsed === 'object' ? (parsed as CacheFile) : {};
    } catch {
      this.entries = {};
    }
    return this.entries;
  }

  async sha256(path: string): Promise<string> {
    const entries = await this.load();
    const info = await stat(path);
    const cached = entries[path];
    const identity: FileIdentity = { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino };
    if (cached && sameFile(cached, identity)) return cached.sha256;
    const sha256 = await sha256File(path);
    entries[path] = { ...identity, sha256 };
    this.dirty = true;
    return sha256;
  }

  /** Throws naming the file when its content is not the one the manifest pinned. */
  async verify(path: string, expected: string, label: string): Promise<void> {
    const actual = await this.sha256(path);
    if (actual !== expected) {
      const entries = await this.load();
      delete entries[path];
      throw new ChecksumMismatchError(`${label}: sha256 is ${actual}, the manifest expects ${expected}`);
    }
  }

  /** Best effort: a read-only model folder just means hashing again next time. */
  async save(): Promise<void> {
    if (!this.dirty || !this.entries) return;
    try {
      await writeFile(this.cachePath, `${JSON.stringify(this.entries, null, 2)}\n`);
      this.dirty = false;
    } catch {
      // Unwritable folder: the cache is an optimisation only.
    }
  }
}
