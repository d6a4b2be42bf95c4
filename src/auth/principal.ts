/**
 * Who is calling: the key that authenticated the operation, or, with AUTH=off, an implicit
 * admin. Resolvers and stores see the principal only through the tenant it maps to.
 */
import type { Tenant } from '../db/tenant.js';
import { grants, type Scope } from './scopes.js';

export interface Principal {
  /** Null only for the implicit principal of AUTH=off. */
  readonly keyId: string | null;
  readonly name: string;
  readonly scopes: readonly Scope[];
}

export const IMPLICIT_ADMIN: Principal = Object.freeze({ keyId: null, name: 'anonymous (AUTH=off)', scopes: ['admin'] as const });

export function can(principal: Principal, required: Scope): boolean {
  return grants(principal.scopes, required);
}

export function tenantOf(principal: Principal): Tenant {
  return { keyId: principal.keyId, seesAll: can(principal, 'admin') };
}
