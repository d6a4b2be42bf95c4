import type { Context } from '../contracts/context.js';
import type { RequestFilter } from '../db/request-store.js';
import { badInput } from '../errors.js';

interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  filter?: RequestFilter | null;
}

const CURSOR = /^[0-9a-f-]{36}$/;

export async function listRequests(ctx: Context, args: ConnectionArgs) {
  for (const [name, value] of [['first', args.first], ['last', args.last]] as const) {
    if (value != null && (value < 0 || value > 100)) throw badInput(`${name} must be between 0 and 100.`, { argument: name });
  }
  for (const [name, value] of [['after', args.after], ['before', args.before]] as const) {
    if (value != null && !CURSOR.test(value)) throw badInput(`${name} is not a cursor from this connection.`, { argument: name });
  }
  if (args.first != null && args.last != null) throw badInput('Pass first or last, not both.');
  const filter: RequestFilter = { ...(args.filter ?? {}), parentId: null };
  const page = await ctx.requests.list(filter, args);
  return {
    filter,
    edges: page.rows.map((node) => ({ cursor: node.id, node })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.rows[0]?.id ?? null,
      endCursor: page.rows.at(-1)?.id ?? null,
    },
  };
}

/** One request by id; an unknown id (or another key's) is NOT_FOUND, as the error table says. */
export function getRequest(ctx: Context, id: string) {
  return ctx.runs.find(id);
}

export function cancelRequest(ctx: Context, id: string) {
  return ctx.runs.cancel(id);
}
