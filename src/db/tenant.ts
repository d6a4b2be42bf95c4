/**
 * Whose rows a store reads and writes. Stores are bound to a tenant per operation, so every
 * lookup is filtered at the data layer: someone else's row reads exactly like a missing one,
 * and no resolver can forget the check. Nothing here knows how keys are authenticated.
 */
export interface Tenant {
  /** The key recorded as owner of what this tenant creates; null when authentication is off. */
  readonly keyId: string | null;
  /** Admins (and the server itself) see every owner's rows. */
  readonly seesAll: boolean;
}

/** The server's own view: sees everything, owns nothing (recovery, migrations, AUTH=off). */
export const SYSTEM_TENANT: Tenant = { keyId: null, seesAll: true };

/** A Prisma `where` fragment for rows with an `ownerKeyId` column. */
export function ownedBy(tenant: Tenant): { ownerKeyId?: string | null } {
  return tenant.seesAll ? {} : { ownerKeyId: tenant.keyId };
}
