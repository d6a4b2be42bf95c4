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

export class RequestStore {
  constructor(
    private readonly prisma: Prisma,
    private readonly kind: DatabaseKind,
    readonly tenant: Tenant = SYSTEM_TENANT,
  ) {}

  /** The same history seen by one tenant: it creates rows as theirs and reads only theirs (all, for an admin). */
  for(tenant: Tenant): RequestStore {
    return new RequestStore(this.prisma, this.kind, tenant);
  }

  async create(request: NewRequest): Promise<RequestRow> {
    const id = uuidv7();
    return this.prisma.inferenceRequest.create({
      data: {
        id,
        task: request.task,
        model: request.model,
        status: 'QUEUED',
        parameters: request.parameters as object,
        inputModalities: request.inputModalities.join(','),
        inputText: request.inputText ?? null,
        parentId: request.parentId ?? null,
        ownerKeyId: request.ownerKeyId === undefined ? this.tenant.keyId : request.ownerKeyId,
        artifacts: request.inputArtifactIds?.length
          ? { create: [...new Set(request.inputArtifactIds)].map((artifactId) => ({ artifactId, role: 'input' })) }
          : undefined,
      },
    });
  }

  async markRunning(id: string, startedAt = new Date()): Promise<void> {
    await this.prisma.inferenceRequest.updateMany({ where: { id, status: 'QUEUED' }, data: { status: 'RUNNING', startedAt } });
  }

  async complete(id: string, outcome: RequestOutcome): Promise<RequestRow> {
    return this.finish(id, 'COMPLETED', outcome);
  }

  async fail(id: string, error: { code: string; message: string }, outcome: RequestOutcome = {}): Promise<RequestRow> {
    return this.finish(id, 'FAILED', outcome, error);
  }

  async cancel(id: string, outcome: RequestOutcome = {}, reason = 'The request was cancelled.'): Promise<RequestRow> {
    return this.finish(id, 'CANCELLED', outcome, { code: 'CANCELLED', message: reason });
  }

  private async finish(
    id: string,
    status: RequestStatus,
    outcome: RequestOutcome,
    error?: { code: string; message: string },
  ): Promise<RequestRow> {
    const finishedAt = new Date();
    const current = await this.prisma.inferenceRequest.findUniqueOrThrow({ where: { id } });
    if (!ACTIVE_STATUSES.includes(current.status as RequestStatus)) return current;
    const computeMs = outcome.computeMs ?? (current.startedAt ? finishedAt.getTime() - current.startedAt.getTime() : null);
    const queueMs = outcome.queueMs ?? (current.startedAt ? current.startedAt.getTime() - current.createdAt.getTime() : null);
    // A request that never reported a start ran (or waited) for the whole span.
    const startedAt = current.startedAt ?? (queueMs != null ? new Date(current.createdAt.getTime() + queueMs) : null);
    await this.prisma.inferenceRequest.updateMany({
      where: { id, status: { in: ACTIVE_STATUSES } },
      data: {
        status,
        finishedAt,
        startedAt,
        queueMs: queueMs == null ? null : Math.round(queueMs),
        computeMs: computeMs == null ? null : Math.round(computeMs),
        batchSize: outcome.batchSize ?? undefined,
        firstOutputAt: outcome.firstOutputAt ?? undefined,
        outputText: outcome.outputText ?? undefined,
        result: outcome.result === undefined ? undefined : (outcome.result as object),
        promptTokens: outcome.promptTokens ?? undefined,
        completionTokens: outcome.completionTokens ?? undefined,
        errorCode: error?.code ?? null,
        errorMessage: error?.message ?? null,
      },
    });
    if (outcome.outputArtifactIds?.length) {
      await this.prisma.requestArtifact.createMany({
        data: [...new Set(outcome.outputArtifactIds)].map((artifactId) => ({ requestId: id, artifactId, role: 'output' })),
      });
    }
    return this.prisma.inferenceRequest.findUniqueOrThrow({ where: { id } });
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
   * shift the pages it has not read yet, so there are no duplicates and no gaps.
   */
  async list(filter: RequestFilter, page: PageArgs, tenant: Tenant = this.tenant): Promise<RequestPage> {
    const where = this.whereOf(filter, tenant);
    const backward = page.last != null && page.first == null;
    const size = Math.min(backward ? page.last! : (page.first ?? 20), MAX_PAGE_SIZE);
    if (backward) {
      const rows = await this.prisma.inferenceRequest.findMany({
        where: { AND: [where, page.before ? { id: { gt: page.before } } : {}, page.after ? { id: { lt: page.after } } : {}] },
        orderBy: { id: 'asc' },
        take: size + 1,
      });
      const hasPreviousPage = rows.length > size;
      return { rows: rows.slice(0, size).reverse(), hasPreviousPage, hasNextPage: page.before != null };
    }
    const rows = await this.prisma.inferenceRequest.findMany({
      where: { AND: [where, page.after ? { id: { lt: page.after } } : {}, page.before ? { id: { gt: page.before } } : {}] },
      orderBy: { id: 'desc' },
      take: size + 1,
    });
    return { rows: rows.slice(0, size), hasNextPage: rows.length > size, hasPreviousPage: page.after != null };
  }

  count(filter: RequestFilter, tenant: Tenant = this.tenant): Promise<number> {
    return this.prisma.inferenceRequest.count({ where: this.whereOf(filter, tenant) });
  }

  private whereOf(filter: RequestFilter, tenant: Tenant) {
    const contains = (value: string) =>
      this.kind === 'postgres' ? { contains: value, mode: 'insensitive' as const } : { contains: value };
    return {
      ...ownedBy(tenant),
      task: filter.task ?? undefined,
      model: filter.model ?? undefined,
      status: filter.status ?? undefined,
      parentId: filter.parentId === undefined ? undefined : filter.parentId,
      createdAt: filter.since || filter.until ? { gte: filter.since ?? undefined, lte: filter.until ?? undefined } : undefined,
      OR: filter.text ? [{ outputText: contains(filter.text) }, { inputText: contains(filter.text) }] : undefined,
    };
  }
}
