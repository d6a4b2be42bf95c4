/**
 * Authentication, scopes, tenancy and per-key limits for every GraphQL operation, over
 * HTTP, SSE and graphql-ws alike. Context building authenticates (UNAUTHENTICATED, 401) and
 * binds the stores to the caller's tenant; before execution each root field's scope is
 * checked against the table in field-rules.ts (FORBIDDEN, 403), then the key's budget
 * (RATE_LIMITED, 429 with Retry-After).
 */
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isTesseraError, TesseraError } from '../../errors.js';
import { can, type Principal } from '../../auth/principal.js';
import { servicesFor } from '../../auth/tenant-services.js';
import type { Context } from '../../contracts/context.js';
import { codedError } from '../errors.js';
import { rulesOf } from './field-rules.js';

/** Set by the WebSocket server: the `authorization` of the connection_init payload. */
export interface WebSocketAuthorization {
  connectionAuthorization?: string | null;
}

type AuthContext = Partial<Context> & WebSocketAuthorization & { request?: Request };

function authorizationOf(context: AuthContext): string | null {
  if (context.connectionAuthorization !== undefined) return context.connectionAuthorization;
  return context.request?.headers.get('authorization') ?? null;
}

/** Checks scopes and budget; a refusal as the GraphQL error to answer with, else null. */
async function refusal(context: Context, document: Parameters<typeof rulesOf>[0], operationName?: string | null): Promise<GraphQLError | null> {
  const rules = rulesOf(document, operationName);
  if (!rules) return null;
  const { principal } = context;
  const denied = rules.fields.filter(({ rule }) => !can(principal, rule.scope));
  if (denied.length > 0) {
    const needed = denied.map(({ name, rule }) => `${name} needs "${rule.scope}"`).join(', ');
    return codedError(new TesseraError('FORBIDDEN', `This key (scopes ${principal.scopes.join(', ')}) may not do this: ${needed}.`));
  }
  const adminFields = rules.fields.filter(({ rule }) => rule.scope === 'admin').map(({ name }) => name);
  if (rules.operation === 'mutation' && adminFields.length > 0) {
    context.logger.info({ key: principal.name, keyId: principal.keyId, fields: adminFields }, 'admin mutation');
  }
  // Budgets are per key; with AUTH=off there are none to count against.
  if (principal.keyId === null) return null;
  try {
    await context.limits.admit(principal.keyId, { generates: rules.fields.some(({ rule }) => rule.generates) });
  } catch (error) {
    if (isTesseraError(error)) return codedError(error);
    throw error;
  }
  return null;
}

export function useAuth(): Plugin<AuthContext> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const services = context as Context;
      const principal: Principal = await services.authenticator.authenticate(authorizationOf(context));
      extendContext({ principal, ...servicesFor(services, principal) });
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const error = await refusal(args.contextValue as Context, args.document, args.operationName);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const error = await refusal(args.contextValue as Context, args.document, args.operationName);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
