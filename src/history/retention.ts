/**
 * The retention policy, applied in the background: finished requests older than their
 * task's age (or the default age) are deleted in small batches, then stored files that
 * nothing references and that were not stored recently are swept. The sweep catches what
 * no deletion released: uploads that never became a request.
 */
import type { RequestStore } from '../db/request-store.js';
import type { ArtifactStore } from '../db/artifact-store.js';
import type { Logger } from '../logger.js';
import { deleteMatching, DELETE_BATCH, type DeletionReport } from './delete-requests.js';

export interface RetentionPolicy {
  /** Days a finished request is kept; null keeps requests forever. */
  defaultDays: number | null;
  /** Days per task, overriding the default for that task. */
  byTask: Record<string, number>;
}

export interface RetentionOptions {
  /** @default 600_000 (ten minutes) */
  intervalMs?: number;
  /** @default 500 */
  batchSize?: number;
  /** An unreferenced file stored within this long is kept: its request may not be written yet. @default 3_600_000 */
  orphanGraceMs?: number;
}

const DAY_MS = 86_400_000;

export class HistoryRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly stopper = new AbortController();

  constructor(
    private readonly requests: RequestStore,
    private readonly artifacts: ArtifactStore,
    private readonly policy: RetentionPolicy,
    private readonly logger: Logger,
    private readonly options: RetentionOptions = {},
  ) {}

  /** One pass: expired requests, then orphaned files. */
  async runOnce(now = new Date()): Promise<DeletionReport> {
    const total: DeletionReport = { deleted: 0, artifactsRemoved: 0 };
    const add = (report: DeletionReport) => {
      total.deleted += report.deleted;
      total.artifactsRemoved += report.artifactsRemoved;
    };
    const batch = { batchSize: this.options.batchSize ?? DELETE_BATCH, signal: this.stopper.signal };
    const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
    for (const [task, days] of Object.entries(this.policy.byTask)) {
      add(await deleteMatching(this.requests, this.artifacts, { task, createdBefore: before(days) }, batch));
    }
    if (this.policy.defaultDays != null) {
      const excludeTasks = Object.keys(this.policy.byTask);
      add(await deleteMatching(this.requests, this.artifacts, { excludeTasks, createdBefore: before(this.policy.defaultDays) }, batch));
    }
    const cutoff = new Date(now.getTime() - (this.options.orphanGraceMs ?? 3_600_000));
    for (;;) {
      if (this.stopper.signal.aborted) break;
      const orphans = await this.artifacts.unreferenced(cutoff, batch.batchSize);
      let removed = 0;
      for (const id of orphans) if (await this.artifacts.removeIfUnreferenced(id, cutoff)) removed += 1;
      total.artifactsRemoved += removed;
      if (removed === 0 || orphans.length < batch.batchSize) break;
    }
    return total;
  }

  /** Runs a pass now and then every interval, until `stop`. */
  start(): void {
    const tick = () => {
      this.running = this.runOnce()
        .then((report) => {
          if (report.deleted || report.artifactsRemoved) this.logger.info(report, 'history retention pass');
        })
        .catch((error: unknown) => this.logger.error({ err: error }, 'history retention pass failed'))
        .finally(() => {
          if (!this.stopper.signal.aborted) this.timer = setTimeout(tick, this.options.intervalMs ?? 600_000).unref();
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    clearTimeout(this.timer);
    await this.running;
  }
}
