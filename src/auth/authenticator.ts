/**
 * Turns what a client presented (`authorization: Bearer <key>` over HTTP and SSE, the same
 * field in graphql-ws's connection_init payload) into a principal, or UNAUTHENTICATED.
 * With AUTH=off everyone is the implicit admin, as before keys existed.
 */
import { TesseraError } from '../errors.js';
import type { KeyStore } from './key-store.js';
import { IMPLICIT_ADMIN, type Principal } from './principal.js';

export type AuthMode = 'required' | 'off';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export const unauthenticated = (message: string) => new TesseraError('UNAUTHENTICATED', message);

export class Authenticator {
  constructor(
    readonly mode: AuthMode,
    private readonly keys: KeyStore,
  ) {}

  async authenticate(authorization: string | null | undefined): Promise<Principal> {
    if (this.mode === 'off') return IMPLICIT_ADMIN;
    if (!authorization) throw unauthenticated('An API key is required: send "authorization: Bearer <key>".');
    const key = BEARER.exec(authorization)?.[1];
    if (!key) throw unauthenticated('The authorization header must read "Bearer <key>".');
    const principal = await this.keys.principalOf(key);
    if (!principal) throw unauthenticated('The API key is not valid (unknown or revoked).');
    return principal;
  }
}
