/**
 * The history's filters as one SQL condition, for both databases, so listing, counting,
 * deleting and exporting select exactly the same rows. Raw SQL because text search goes
 * through indexes Prisma cannot name: the FTS5 table on SQLite, pg_trgm on PostgreSQL.
 *
 * Every condition is shaped for an index that ends in "id": equality on owner, task, model
 * and status, and time ranges turned into id ranges (ids are UUIDv7, whose first 48 bits are
 * the creation time in milliseconds), so a page reads an index range newest first.
 */
import type { DatabaseKind } from './database.js';
import { ownedBy, type Tenant } from './tenant.js';

export interface HistoryFilter {
  task?: string | null;
  model?: string | null;
  status?: string | null;
  since?: Date | null;
  until?: Date | null;
  text?: string | null;
  /** null: top-level requests only; a string: the steps of that pipeline; undefined: both. */
  parentId?: string | null;
  /** Only finished requests (what may be deleted). */
  finishedOnly?: boolean;
  /** Tasks left out (retention: the default age applies to tasks without their own). */
  excludeTasks?: string[];
  /** Only rows created before this instant (retention). */
  createdBefore?: Date | null;
}

/** Trigram indexes need three characters; shorter text is matched by scanning newest first. */
export const MIN_INDEXED_TEXT = 3;

/**
 * A row's id may be drawn a moment before its createdAt is stamped, so the id range for
 * `since` starts this much earlier; createdAt itself keeps the bound exact.
 */
const ID_CLOCK_SLACK_MS = 60_000;

export const TABLE = '"InferenceRequest"';

export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly kind: DatabaseKind) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.kind === 'postgres' ? `$${this.values.length}` : '?';
  }
}

/** The smallest UUIDv7 string made at or after `ms` compares greater than this prefix. */
export function idPrefixAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}

/** The creation time encoded in a UUIDv7 id. */
export function idTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function textCondition(kind: DatabaseKind, text: string, params: SqlParams, indexed: boolean): string {
  const pattern = `%${escapeLike(text)}%`;
  if (kind === 'sqlite') {
    if (indexed && [...text].length >= MIN_INDEXED_TEXT) {
      const phrase = `"${text.replace(/"/g, '""')}"`;
      return `${TABLE}.rowid IN (SELECT rowid FROM "InferenceRequestText" WHERE "InferenceRequestText" MATCH ${params.add(phrase)})`;
    }
    return `("inputText" LIKE ${params.add(pattern)} ESCAPE '\\' OR "outputText" LIKE ${params.add(pattern)} ESCAPE '\\')`;
  }
  const p = params.add(pattern);
  if (indexed && [...text].length >= MIN_INDEXED_TEXT) return `("inputText" ILIKE ${p} OR "outputText" ILIKE ${p})`;
  // A pattern too short for trigrams would make the planner read the whole GIN index; the
  // no-op concatenation keeps it on the newest-first scan, which stops at a page.
  return `(("inputText" || '') ILIKE ${p} OR ("outputText" || '') ILIKE ${p})`;
}

export interface WhereOptions {
  /** Whether the text index exists (false on a PostgreSQL without pg_trgm). */
  textIndexed: boolean;
  /** Keyset bounds on the id, exclusive. */
  idBelow?: string | null;
  idAbove?: string | null;
}

/** One SQL condition for the filter as seen by the tenant, with its parameters added to `params`. */
export function whereSql(kind: DatabaseKind, filter: HistoryFilter, tenant: Tenant, params: SqlParams, options: WhereOptions): string {
  const parts: string[] = [];
  const owner = ownedBy(tenant);
  if ('ownerKeyId' in owner) parts.push(owner.ownerKeyId === null ? '"ownerKeyId" IS NULL' : `"ownerKeyId" = ${params.add(owner.ownerKeyId)}`);
  if (filter.parentId === null) parts.push('"parentId" IS NULL');
  else if (filter.parentId !== undefined) parts.push(`"parentId" = ${params.add(filter.parentId)}`);
  for (const column of ['task', 'model', 'status'] as const) {
    const value = filter[column];
    if (value != null) parts.push(`"${column}" = ${params.add(value)}`);
  }
  if (filter.excludeTasks?.length) parts.push(`"task" NOT IN (${filter.excludeTasks.map((t) => params.add(t)).join(', ')})`);
  if (filter.finishedOnly) parts.push(`"status" NOT IN ('QUEUED', 'RUNNING')`);
  if (filter.since) {
    parts.push(`"id" > ${params.add(idPrefixAt(filter.since.getTime() - ID_CLOCK_SLACK_MS))}`);
    parts.push(`"createdAt" >= ${params.add(filter.since)}`);
  }
  const until = [filter.until, filter.createdBefore && new Date(filter.createdBefore.getTime() - 1)]
    .filter((d): d is Date => d instanceof Date)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  if (until) {
    parts.push(`"id" < ${params.add(idPrefixAt(until.getTime() + 1))}`);
    parts.push(`"createdAt" <= ${params.add(until)}`);
  }
  const text = filter.text?.trim();
  if (text) parts.push(textCondition(kind, text, params, options.textIndexed));
  if (options.idBelow) parts.push(`"id" < ${params.add(options.idBelow)}`);
  if (options.idAbove) parts.push(`"id" > ${params.add(options.idAbove)}`);
  return parts.length ? parts.join(' AND ') : '1 = 1';
}
