/**
 * Who may call an endpoint of the OpenAI-compatible API, checked as GraphQL checks it: the
 * key from `Authorization: Bearer` (UNAUTHENTICATED), its scope (FORBIDDEN), then its
 * per-minute budget (RATE_LIMITED with Retry-After). What comes back is the context a
 * resolver expects, bound to the caller's tenant, with rows marked as this API's and a signal
 * that aborts when the client goes away.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Services } from '../contracts/context.js';
import { can } from '../auth/principal.js';
import type { Scope } from '../auth/scopes.js';
import { servicesFor } from '../auth/tenant-services.js';
import { cancelled, TesseraError } from '../errors.js';

export interface Access {
  scope: Scope;
  /** Counts against the key's token budget too (generating endpoints). */
  generates: boolean;
}

const VALID_ID = /^[\w.:-]{1,128}$/;

/** Aborted when the client closes the connection before the whole answer was written. */
function clientSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(cancelled('The client went away.'));
  });
  return controller.signal;
}

export async function admit(services: Services, req: IncomingMessage, res: ServerResponse, access: Access): Promise<Context> {
  const principal = await services.authenticator.authenticate(req.headers.authorization);
  if (!can(principal, access.scope)) {
    throw new TesseraError('FORBIDDEN', `This key (scopes ${principal.scopes.join(', ')}) may not do this: ${req.method} ${req.url} needs "${access.scope}".`);
  }
  if (principal.keyId !== null) await services.limits.admit(principal.keyId, { generates: access.generates });
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && VALID_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', requestId);
  const bound = servicesFor(services, principal);
  return {
    ...services,
    ...bound,
    runs: bound.runs.through('openai'),
    principal,
    requestId,
    logger: services.logger.child({ requestId, api: 'openai' }),
    signal: clientSignal(res),
  };
}
