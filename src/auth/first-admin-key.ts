/**
 * A server that requires keys must not start locked: with no usable admin key, the first
 * start makes one, so the operator can make the others with it (or with the CLI).
 */
import { isTesseraError } from '../errors.js';
import type { KeyStore } from './key-store.js';

/** The key made, or null when an admin key exists (or another replica made one just now). */
export async function ensureAdminKey(keys: KeyStore): Promise<{ key: string; name: string } | null> {
  if (await keys.hasActiveAdmin()) return null;
  const taken = new Set((await keys.list()).map((key) => key.name));
  let name = 'admin';
  for (let n = 2; taken.has(name); n++) name = `admin-${n}`;
  try {
    const { key } = await keys.create(name, ['admin']);
    return { key, name };
  } catch (error) {
    // Two replicas starting together: the other one's key stands.
    if (isTesseraError(error) && error.code === 'BAD_USER_INPUT' && (await keys.hasActiveAdmin())) return null;
    throw error;
  }
}
