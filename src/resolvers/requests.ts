import type { Context } from '../contracts/context.js';
import { ACTIVE_STATUSES, type RequestCount, type RequestFilter, type RequestStatus } from '../db/request-store.js';
import { deleteMatching, deleteRequestIds, type DeletionReport } from '../history/delete-requests.js';
import { badInput, TesseraError } from '../errors.js';

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
  let counted: Promise<RequestCount> | undefined;
  return {
    /** Counted only when totalCount or totalCountIsEstimate is selected, and once for both. */
    count: () => (counted ??= ctx.requests.countBounded(filter)),
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

export async function deleteRequest(ctx: Context, id: string): Promise<DeletionReport> {
  const row = await ctx.requests.get(id);
  if (!row) throw new TesseraError('NOT_FOUND', `No request with id "${id}".`, { id });
  if (ACTIVE_STATUSES.includes(row.status as RequestStatus)) {
    throw new TesseraError('REQUEST_ACTIVE', `Request ${id} is ${row.status}; cancel it or wait for it to finish before deleting it.`, { id });
  }
  return deleteRequestIds(ctx.requests, ctx.artifacts, [id]);
}

export function deleteRequests(ctx: Context, filter: RequestFilter): Promise<DeletionReport> {
  return deleteMatching(ctx.requests, ctx.artifacts, filter, { signal: ctx.signal });
}
