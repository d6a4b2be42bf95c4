/**
 * The request history. A request row is written before any work starts and every path out
 * of the work (completed, failed, cancelled, interrupted by a restart) ends in a final state.
 * Final writes only apply to a row that is still active, so a late "running" update can
 * never resurrect a finished request.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Prisma } from './database.js';
import type { InferenceRequest } from '../generated/prisma/sqlite/client.js';
import type { DatabaseKind } from './kind.js';
import { ownedBy, SYSTEM_TENANT, type Tenant } from './tenant.js';
import { ftsPhrase, idTime, SQLITE_RARE_TEXT_MATCHES, sqliteMatchProbe, SqlParams, TABLE, usesTextIndex, whereSql, type HistoryFilter } from './request-query.js';

export type RequestRow = InferenceRequest;
export type RequestStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export const ACTIVE_STATUSES: RequestStatus[] = ['QUEUED', 'RUNNING'];

export interface NewRequest {
  task: string;
  model: string;
  parameters: Record<string, unknown>;
  inputModalities: string[];
  inputText?: string | null;
  parentId?: string | null;
  inputArtifactIds?: string[];
  /** Defaults to the key of the tenant this store is bound to. */
  ownerKeyId?: string | null;
}

export interface RequestTimings {
  queueMs?: number | null;
  computeMs?: number | null;
  batchSize?: number | null;
  firstOutputAt?: Date | null;
}

export interface RequestOutcome extends RequestTimings {
  outputText?: string | null;
  result?: unknown;
  promptTokens?: number | null;
  completionTokens?: number | null;
  outputArtifactIds?: string[];
}

/** What the run that wrote a row knows of it: enough for the final write to skip reading it. */
export interface KnownTimes {
  createdAt: Date;
  /** When the work left the queue, if it did. */
  startedAt: Date | null;
}

export interface RequestFilter {
  task?: string | null;
  model?: string | null;
  status?: RequestStatus | null;
  since?: Date | null;
  until?: Date | null;
  text?: string | null;
  parentId?: string | null;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface RequestPage {
  rows: RequestRow[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export const MAX_PAGE_SIZE = 100;
/** totalCount is exact up to this many rows and an estimate past it. */
export const EXACT_COUNT_LIMIT = 1_000;

export interface RequestCount {
  count: number;
  isEstimate: boolean;
}

export class RequestStore {
  constructor(
    private readonly prisma: Prisma,
    private readonly kind: DatabaseKind,
    readonly tenant: Tenant = SYSTEM_TENANT,
    /** The replica whose rows this store writes; null for a tool that runs no requests. */
    readonly instanceId: string | null = null,
    /** False on a PostgreSQL without pg_trgm: text search then scans. */
    private readonly textIndexed = true,
  ) {}

  /** The same history seen by one tenant: it creates rows as theirs and reads only theirs (all, for an admin). */
  for(tenant: Tenant): RequestStore {
    return new RequestStore(this.prisma, this.kind, tenant, this.instanceId, this.textIndexed);
  }

  /**
   * The request's row, QUEUED. Written with one plain INSERT (the row is known here, so nothing
   * is read back): every request pays for this before its work starts, and the model API's
   * query planning cost several times the statement itself.
   */
  async create(request: NewRequest): Promise<RequestRow> {
    const inputArtifactIds = [...new Set(request.inputArtifactIds ?? [])];
    const row: RequestRow = {
      id: uuidv7(),
      parentId: request.parentId ?? null,
      task: request.task,
      model: request.model,
      status: 'QUEUED',
      // As it will read back: what JSON cannot hold (undefined, functions) is dropped now.
      parameters: JSON.parse(JSON.stringify(request.parameters)) as RequestRow['parameters'],
      inputModalities: request.inputModalities.join(','),
      inputText: request.inputText ?? null,
      outputText: null,
      result: null,
      errorCode: null,
      errorMessage: null,
      createdAt: new Date(),
      startedAt: null,
      firstOutputAt: null,
      finishedAt: null,
      queueMs: null,
      computeMs: null,
      batchSize: null,
      promptTokens: null,
      completionTokens: null,
      ownerKeyId: request.ownerKeyId === undefined ? this.tenant.keyId : request.ownerKeyId,
      instanceId: this.instanceId,
    };
    if (inputArtifactIds.length > 0) {
      // Row and links in one transaction, through the model API (requests with media are the rarer kind).
      const { parameters: _parameters, result: _result, ...rest } = row;
      return this.prisma.inferenceRequest.create({
        data: {
          ...rest,
          parameters: row.parameters as object,
          artifacts: { create: inputArtifactIds.map((artifactId) => ({ artifactId, role: 'input' })) },
        },
      });
    }
    const params = new SqlParams(this.kind);
    const columns = ['id', 'parentId', 'task', 'model', 'status', 'parameters', 'inputModalities', 'inputText', 'createdAt', 'ownerKeyId', 'instanceId'] as const;
    const values = columns.map((column) => (column === 'parameters' ? this.json(params, JSON.stringify(row.parameters)) : params.add(row[column])));
    await this.prisma.$executeRawUnsafe(
      `INSERT INTO ${TABLE} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${values.join(', ')})`,
      ...params.values,
    );
    return row;
  }

  async markRunning(id: string, startedAt = new Date()): Promise<void> {
    const params = new SqlParams(this.kind);
    await this.prisma.$executeRawUnsafe(
      `UPDATE ${TABLE} SET "status" = 'RUNNING', "startedAt" = ${params.add(startedAt)} WHERE "id" = ${params.add(id)} AND "status" = 'QUEUED'`,
      ...params.values,
    );
  }

  async complete(id: string, outcome: RequestOutcome, known?: KnownTimes): Promise<RequestRow> {
    return this.finish(id, 'COMPLETED', outcome, undefined, known);
  }

  async fail(id: string, error: { code: string; message: string }, outcome: RequestOutcome = {}, known?: KnownTimes): Promise<RequestRow> {
    return this.finish(id, 'FAILED', outcome, error, known);
  }

  async cancel(id: string, outcome: RequestOutcome = {}, reason = 'The request was cancelled.', known?: KnownTimes): Promise<RequestRow> {
    return this.finish(id, 'CANCELLED', outcome, { code: 'CANCELLED', message: reason }, known);
  }

  /**
   * The final state, written once: only a row still QUEUED or RUNNING is updated, and the row
   * as stored is returned (the earlier final state when another path got there first). Plain
   * SQL, for the same reason as `create`. With the row's times known (the run that wrote it
   * knows them) that is one statement; else the row is read first.
   */
  private async finish(
    id: string,
    status: RequestStatus,
    outcome: RequestOutcome,
    error?: { code: string; message: string },
    known?: KnownTimes,
  ): Promise<RequestRow> {
    const finishedAt = new Date();
    let current = known;
    if (!current) {
      const row = await this.row(id);
      if (!ACTIVE_STATUSES.includes(row.status as RequestStatus)) return row;
      current = row;
    }
    const computeMs = outcome.computeMs ?? (current.startedAt ? finishedAt.getTime() - current.startedAt.getTime() : null);
    const queueMs = outcome.queueMs ?? (current.startedAt ? current.startedAt.getTime() - current.createdAt.getTime() : null);
    // A request that never reported a start ran (or waited) for the whole span.
    const startedAt = current.startedAt ?? (queueMs != null ? new Date(current.createdAt.getTime() + queueMs) : null);
    const params = new SqlParams(this.kind);
    const set: string[] = [];
    const assign = (column: keyof RequestRow, value: unknown) => set.push(`"${column}" = ${params.add(value)}`);
    assign('status', status);
    assign('finishedAt', finishedAt);
    assign('startedAt', startedAt);
    assign('queueMs', queueMs == null ? null : Math.round(queueMs));
    assign('computeMs', computeMs == null ? null : Math.round(computeMs));
    // Fields the outcome does not name keep what the row holds.
    if (outcome.batchSize != null) assign('batchSize', outcome.batchSize);
    if (outcome.firstOutputAt != null) assign('firstOutputAt', outcome.firstOutputAt);
    if (outcome.outputText != null) assign('outputText', outcome.outputText);
    if (outcome.result !== undefined) set.push(`"result" = ${this.json(params, outcome.result === null ? null : JSON.stringify(outcome.result))}`);
    if (outcome.promptTokens != null) assign('promptTokens', outcome.promptTokens);
    if (outcome.completionTokens != null) assign('completionTokens', outcome.completionTokens);
    assign('errorCode', error?.code ?? null);
    assign('errorMessage', error?.message ?? null);
    const updated = await this.prisma.$queryRawUnsafe<RequestRow[]>(
      `UPDATE ${TABLE} SET ${set.join(', ')} WHERE "id" = ${params.add(id)} AND "status" IN ('QUEUED', 'RUNNING') RETURNING *`,
      ...params.values,
    );
    // A row that was already final keeps its own outputs.
    if (updated[0] && outcome.outputArtifactIds?.length) {
      await this.prisma.requestArtifact.createMany({
        data: [...new Set(outcome.outputArtifactIds)].map((artifactId) => ({ requestId: id, artifactId, role: 'output' })),
      });
    }
    return updated[0] ?? this.row(id);
  }

  /** One row by id, whoever owns it (the lifecycle's own reads). */
  private async row(id: string): Promise<RequestRow> {
    const params = new SqlParams(this.kind);
    const [row] = await this.prisma.$queryRawUnsafe<RequestRow[]>(`SELECT * FROM ${TABLE} WHERE "id" = ${params.add(id)}`, ...params.values);
    if (!row) throw new Error(`request ${id} does not exist`);
    return row;
  }

  /** A JSON text parameter, as each database's JSON column takes it. */
  private json(params: SqlParams, text: string | null): string {
    const placeholder = params.add(text);
    return this.kind === 'postgres' ? `CAST(${placeholder} AS jsonb)` : placeholder;
  }

  /** Removes a request that was refused before it was accepted; a row already final stays. */
  async discard(id: string): Promise<void> {
    await this.prisma.inferenceRequest.deleteMany({ where: { id, status: { in: ACTIVE_STATUSES } } });
  }

  /** At start: whatever a crash left active ended without us; say so instead of leaving it "running". */
  async recoverInterrupted(): Promise<number> {
    const { count } = await this.prisma.inferenceRequest.updateMany({
      where: { status: { in: ACTIVE_STATUSES } },
      data: {
        status: 'FAILED',
        errorCode: 'INTERRUPTED',
        errorMessage: 'The server stopped before this request finished.',
        finishedAt: new Date(),
      },
    });
    return count;
  }

  /**
   * Replicas: the active rows of instances whose heartbeat is older than `staleBefore` (and
   * rows no instance claims) ended without them. One statement, so a replica that beat in
   * the meantime keeps its rows.
   */
  async interruptOrphaned(staleBefore: Date): Promise<number> {
    const { count } = await this.prisma.inferenceRequest.updateMany({
      where: {
        status: { in: ACTIVE_STATUSES },
        OR: [{ instanceId: null }, { instance: { is: { heartbeatAt: { lt: staleBefore } } } }],
      },
      data: {
        status: 'FAILED',
        errorCode: 'INTERRUPTED',
        errorMessage: 'The replica running this request stopped before it finished.',
        finishedAt: new Date(),
      },
    });
    return count;
  }

  /** Whether the request is still QUEUED or RUNNING (on any replica). */
  async isActive(id: string): Promise<boolean> {
    const row = await this.prisma.inferenceRequest.findUnique({ where: { id }, select: { status: true } });
    return row !== null && ACTIVE_STATUSES.includes(row.status as RequestStatus);
  }

  /** Someone else's request is null, exactly like one that does not exist. */
  get(id: string, tenant: Tenant = this.tenant): Promise<RequestRow | null> {
    return this.prisma.inferenceRequest.findFirst({ where: { id, ...ownedBy(tenant) } });
  }

  /** The steps of a pipeline request, in the order they ran. */
  children(parentId: string, tenant: Tenant = this.tenant): Promise<RequestRow[]> {
    return this.prisma.inferenceRequest.findMany({ where: { parentId, ...ownedBy(tenant) }, orderBy: { id: 'asc' } });
  }

  artifactsOf(requestId: string) {
    return this.prisma.requestArtifact.findMany({
      where: { requestId },
      include: { artifact: true },
      orderBy: [{ role: 'asc' }, { artifactId: 'asc' }],
    });
  }

  /**
   * Newest first, keyed on the time-ordered id: rows inserted while a client pages never
   * shift the pages it has not read yet, so there are no duplicates and no gaps. One indexed
   * query picks the page's ids, a second reads those rows.
   */
  async list(filter: RequestFilter, page: PageArgs, tenant: Tenant = this.tenant): Promise<RequestPage> {
    const backward = page.last != null && page.first == null;
    const size = Math.min(backward ? page.last! : (page.first ?? 20), MAX_PAGE_SIZE);
    const ids = await this.pageIds(filter, { below: page.after, above: page.before, size: size + 1, ascending: backward }, tenant);
    const more = ids.length > size;
    const rows = await this.rowsByIds(ids.slice(0, size));
    if (backward) return { rows: rows.reverse(), hasPreviousPage: more, hasNextPage: page.before != null };
    return { rows, hasNextPage: more, hasPreviousPage: page.after != null };
  }

  /** The ids of one page of matching rows, newest first unless `ascending`. */
  async pageIds(
    filter: HistoryFilter,
    page: { below?: string | null; above?: string | null; size: number; ascending?: boolean },
    tenant: Tenant = this.tenant,
  ): Promise<string[]> {
    const { where, params } = await this.condition(filter, tenant, { idBelow: page.below, idAbove: page.above });
    const rows = await this.prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM ${TABLE} WHERE ${where} ORDER BY "id" ${page.ascending ? 'ASC' : 'DESC'} LIMIT ${Math.floor(page.size)}`,
      ...params.values,
    );
    return rows.map((r) => r.id);
  }

  /** The rows, in the order of `ids`. */
  async rowsByIds(ids: string[]): Promise<RequestRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.inferenceRequest.findMany({ where: { id: { in: ids } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is RequestRow => r !== undefined);
  }

  /**
   * Deletes the finished requests among `ids` that the tenant sees (active ones never), their steps
   * and their artifact links, in one statement; the database cascades the rest. Returns, for
   * each artifact they referenced, when its last deleted referrer finished, so the collector
   * can tell a file stored for them from one stored again since.
   */
  async deleteFinished(ids: string[]): Promise<{ deleted: number; released: Map<string, Date> }> {
    const released = new Map<string, Date>();
    if (ids.length === 0) return { deleted: 0, released };
    const owner = ownedBy(this.tenant);
    const links = await this.prisma.requestArtifact.findMany({
      where: { request: { ...owner, OR: [{ id: { in: ids } }, { parentId: { in: ids } }] } },
      select: { artifactId: true, request: { select: { createdAt: true, finishedAt: true } } },
    });
    for (const { artifactId, request } of links) {
      const at = request.finishedAt ?? request.createdAt;
      if (!(released.get(artifactId)! >= at)) released.set(artifactId, at);
    }
    const { count } = await this.prisma.inferenceRequest.deleteMany({
      where: { id: { in: ids }, status: { notIn: ACTIVE_STATUSES }, ...owner },
    });
    return { deleted: count, released };
  }

  /** How many rows match, counted exactly (every match is read: for small sets and tests). */
  async count(filter: RequestFilter, tenant: Tenant = this.tenant): Promise<number> {
    const { where, params } = await this.condition(filter, tenant);
    const [{ n }] = await this.prisma.$queryRawUnsafe<{ n: number | bigint | string }[]>(`SELECT count(*) AS n FROM ${TABLE} WHERE ${where}`, ...params.values);
    return Number(n);
  }

  /**
   * How many rows match, exact up to `limit`. Past it an exact count would read every match,
   * so the count is extrapolated from how far back in time the first `limit` matches reach,
   * and flagged as an estimate.
   */
  async countBounded(filter: RequestFilter, tenant: Tenant = this.tenant, limit = EXACT_COUNT_LIMIT): Promise<RequestCount> {
    const { where, params } = await this.condition(filter, tenant);
    // One read of the matches decides which answer it is: is there a match past the limit?
    const [edge] = await this.prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM ${TABLE} WHERE ${where} ORDER BY "id" DESC LIMIT 1 OFFSET ${limit}`,
      ...params.values,
    );
    if (!edge) {
      const [{ n }] = await this.prisma.$queryRawUnsafe<{ n: number | bigint | string }[]>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${TABLE} WHERE ${where} LIMIT ${limit + 1}) capped`,
        ...params.values,
      );
      return { count: Number(n), isEstimate: false };
    }
    // The time span of the rows the other filters allow, from their index alone.
    const withoutText = { ...filter, text: null };
    const [[newest], [oldest]] = await Promise.all([
      this.pageIds(withoutText, { size: 1 }, tenant),
      this.pageIds(withoutText, { size: 1, ascending: true }, tenant),
    ]);
    const span = idTime(newest ?? edge.id) - idTime(oldest ?? edge.id);
    const reached = Math.max(1, idTime(newest ?? edge.id) - idTime(edge.id));
    return { count: Math.max(limit + 1, Math.round((limit * span) / reached)), isEstimate: true };
  }

  /** The filter as one SQL condition; on SQLite a text filter first asks the FTS table how often it matches. */
  private async condition(filter: HistoryFilter, tenant: Tenant, bounds: { idBelow?: string | null; idAbove?: string | null } = {}) {
    let textDrives = false;
    if (this.kind === 'sqlite' && usesTextIndex(filter.text, this.textIndexed)) {
      const [{ n }] = await this.prisma.$queryRawUnsafe<{ n: number | bigint }[]>(sqliteMatchProbe, ftsPhrase(filter.text!));
      textDrives = Number(n) < SQLITE_RARE_TEXT_MATCHES;
    }
    const params = new SqlParams(this.kind);
    const where = whereSql(this.kind, filter, tenant, params, { textIndexed: this.textIndexed, textDrives, ...bounds });
    return { where, params };
  }
}
