/**
 * What a key may do. Scopes nest: `admin` can do all that `infer` can, and `infer` all that
 * `read` can (a key that runs tasks must be able to read back its own requests).
 */
import { badInput } from '../errors.js';

export const SCOPES = ['read', 'infer', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const RANK: Record<Scope, number> = { read: 0, infer: 1, admin: 2 };

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** "infer,read" → ['read', 'infer']: deduplicated, in rank order, unknown names refused. */
export function parseScopes(list: string): Scope[] {
  const names = list
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((name) => !isScope(name));
  if (unknown.length > 0) throw badInput(`Unknown scope ${unknown.map((n) => `"${n}"`).join(', ')}; scopes are ${SCOPES.join(', ')}.`);
  if (names.length === 0) throw badInput(`Give at least one scope: ${SCOPES.join(', ')}.`);
  return SCOPES.filter((scope) => names.includes(scope));
}

export function grants(scopes: readonly Scope[], required: Scope): boolean {
  return scopes.some((scope) => RANK[scope] >= RANK[required]);
}
