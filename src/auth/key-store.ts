/**
 * API keys in the database: made (the key returned once, only its hash stored), listed,
 * revoked, and looked up from a presented key. Revocation is immediate because every
 * operation looks its key up again.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Prisma } from '../db/database.js';
import type { ApiKey } from '../generated/prisma/sqlite/client.js';
import { badInput, TesseraError } from '../errors.js';
import { generateKey, hashKey, looksLikeKey, sameHash } from './secret.js';
import { parseScopes, type Scope } from './scopes.js';
import type { Principal } from './principal.js';

export interface KeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const NAME = /^[\w.@-]{1,64}$/;
/** lastUsedAt is a hint, not an audit log: written at most this often per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

function infoOf(row: ApiKey): KeyInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

export class KeyStore {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly prisma: Prisma) {}

  /** Makes a key; the returned `key` is the only time it exists outside the caller. */
  async create(name: string, scopes: readonly Scope[]): Promise<{ key: string; info: KeyInfo }> {
    if (!NAME.test(name)) throw badInput('A key name is 1 to 64 letters, digits, "_", "-", "." or "@".');
    if (scopes.length === 0) throw badInput('A key needs at least one scope.');
    const key = generateKey();
    try {
      const row = await this.prisma.apiKey.create({
        data: { id: uuidv7(), name, keyHash: hashKey(key), scopes: scopes.join(',') },
      });
      return { key, info: infoOf(row) };
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw badInput(`A key named "${name}" exists already.`, { name });
      throw error;
    }
  }

  async list(): Promise<KeyInfo[]> {
    return (await this.prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' } })).map(infoOf);
  }

  /** Revokes by name; revoking a revoked key again changes nothing. */
  async revoke(name: string): Promise<KeyInfo> {
    const row = await this.prisma.apiKey.findUnique({ where: { name } });
    if (!row) throw new TesseraError('NOT_FOUND', `No key named "${name}".`, { name });
    if (row.revokedAt) return infoOf(row);
    return infoOf(await this.prisma.apiKey.update({ where: { id: row.id }, data: { revokedAt: new Date() } }));
  }

  /** Whether an unrevoked key with the admin scope exists. */
  async hasActiveAdmin(): Promise<boolean> {
    const keys = await this.prisma.apiKey.findMany({ where: { revokedAt: null }, select: { scopes: true } });
    return keys.some((key) => parseScopes(key.scopes).includes('admin'));
  }

  /** The principal of a presented key, or null for a malformed, unknown or revoked one. */
  async principalOf(key: string): Promise<Principal | null> {
    if (!looksLikeKey(key)) return null;
    const presented = hashKey(key);
    const row = await this.prisma.apiKey.findUnique({ where: { keyHash: presented } });
    if (!row || row.revokedAt || !sameHash(row.keyHash, presented)) return null;
    this.touch(row.id);
    return { keyId: row.id, name: row.name, scopes: parseScopes(row.scopes) };
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(id, now);
    void this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }
}
