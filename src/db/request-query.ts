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

/** Whether the text filter can use the trigram index. */
export const usesTextIndex = (text: string | null | undefined, indexed: boolean) =>
  indexed && !!text?.trim() && [...text.trim()].length >= MIN_INDEXED_TEXT;

/** The FTS5 query for a substring: one phrase, its quotes doubled. */
export const ftsPhrase = (text: string) => `"${text.trim().replace(/"/g, '""')}"`;

/**
 * SQLite plans without statistics on most installations, so the query says which index
 * drives: a text that matches few rows drives from the FTS table (every other column wrapped
 * in a unary `+`, which SQLite never uses for an index); a frequent one is matched with LIKE
 * on the id-ordered scan, which finds a page after a few hundred rows, where reading all of
 * its FTS matches would cost time in proportion to their number.
 */
export const SQLITE_RARE_TEXT_MATCHES = 1000;
export const sqliteMatchProbe = `SELECT count(*) AS n FROM (SELECT rowid FROM "InferenceRequestText" WHERE "InferenceRequestText" MATCH ? LIMIT ${SQLITE_RARE_TEXT_MATCHES})`;

function textCondition(kind: DatabaseKind, text: string, params: SqlParams, indexed: boolean, textDrives: boolean): string {
  const pattern = `%${escapeLike(text)}%`;
  if (kind === 'sqlite') {
    if (textDrives) {
      return `${TABLE}.rowid IN (SELECT rowid FROM "InferenceRequestText" WHERE "InferenceRequestText" MATCH ${params.add(ftsPhrase(text))})`;
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
  /** SQLite: the text matches few rows, so the FTS table drives the query. */
  textDrives?: boolean;
  /** Keyset bounds on the id, exclusive. */
  idBelow?: string | null;
  idAbove?: string | null;
}

/** One SQL condition for the filter as seen by the tenant, with its parameters added to `params`. */
export function whereSql(kind: DatabaseKind, filter: HistoryFilter, tenant: Tenant, params: SqlParams, options: WhereOptions): string {
  const parts: string[] = [];
  const sqlite = kind === 'sqlite';
  const textDrives = sqlite && !!options.textDrives && usesTextIndex(filter.text, options.textIndexed);
  // `+column` keeps SQLite off that column's indexes (see SQLITE_RARE_TEXT_MATCHES).
  const col = (name: string) => (textDrives ? `+"${name}"` : `"${name}"`);
  const owner = ownedBy(tenant);
  if ('ownerKeyId' in owner) parts.push(owner.ownerKeyId === null ? `${col('ownerKeyId')} IS NULL` : `${col('ownerKeyId')} = ${params.add(owner.ownerKeyId)}`);
  // Nearly every row is top-level: on SQLite the parentId index would only cost a sort.
  if (filter.parentId === null) parts.push(sqlite ? '+"parentId" IS NULL' : '"parentId" IS NULL');
  else if (filter.parentId !== undefined) parts.push(`"parentId" = ${params.add(filter.parentId)}`);
  for (const column of ['task', 'model', 'status'] as const) {
    const value = filter[column];
    if (value != null) parts.push(`${col(column)} = ${params.add(value)}`);
  }
  if (filter.excludeTasks?.length) parts.push(`"task" NOT IN (${filter.excludeTasks.map((t) => params.add(t)).join(', ')})`);
  if (filter.finishedOnly) parts.push(`"status" NOT IN ('QUEUED', 'RUNNING')`);
  if (filter.since) {
    parts.push(`${col('id')} > ${params.add(idPrefixAt(filter.since.getTime() - ID_CLOCK_SLACK_MS))}`);
    parts.push(`"createdAt" >= ${params.add(filter.since)}`);
  }
  const until = [filter.until, filter.createdBefore && new Date(filter.createdBefore.getTime() - 1)]
    .filter((d): d is Date => d instanceof Date)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  if (until) {
    parts.push(`${col('id')} < ${params.add(idPrefixAt(until.getTime() + 1))}`);
    parts.push(`"createdAt" <= ${params.add(until)}`);
  }
  const text = filter.text?.trim();
  if (text) parts.push(textCondition(kind, text, params, options.textIndexed, textDrives));
  if (options.idBelow) parts.push(`${col('id')} < ${params.add(options.idBelow)}`);
  if (options.idAbove) parts.push(`${col('id')} > ${params.add(options.idAbove)}`);
  return parts.length ? parts.join(' AND ') : '1 = 1';
}
