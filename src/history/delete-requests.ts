/**
 * Deleting history: finished requests go with their steps and links, then every artifact
 * they referenced that nothing references any more goes from the database and the disk.
 * Large deletions run in small batches, each its own short statement, so other writers
 * (requests being recorded) wait for one batch at most.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RequestStore } from '../db/request-store.js';
import type { ArtifactStore } from '../db/artifact-store.js';
import type { HistoryFilter } from '../db/request-query.js';

export interface DeletionReport {
  deleted: number;
  artifactsRemoved: number;
}

export const DELETE_BATCH = 500;

/** Deletes the finished requests among `ids` and the artifacts only they referenced. */
export async function deleteRequestIds(requests: RequestStore, artifacts: ArtifactStore, ids: string[]): Promise<DeletionReport> {
  const { deleted, released } = await requests.deleteFinished(ids);
  let artifactsRemoved = 0;
  for (const [artifactId, lastReferrerFinished] of released) {
    if (await artifacts.removeIfUnreferenced(artifactId, lastReferrerFinished)) artifactsRemoved += 1;
  }
  return { deleted, artifactsRemoved };
}

/** Deletes every finished top-level request the store's tenant sees that matches, batch by batch. */
export async function deleteMatching(
  requests: RequestStore,
  artifacts: ArtifactStore,
  filter: HistoryFilter,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<DeletionReport> {
  const total: DeletionReport = { deleted: 0, artifactsRemoved: 0 };
  const where: HistoryFilter = { ...filter, parentId: null, finishedOnly: true };
  while (!options.signal?.aborted) {
    const ids = await requests.pageIds(where, { size: options.batchSize ?? DELETE_BATCH });
    if (ids.length === 0) break;
    const batch = await deleteRequestIds(requests, artifacts, ids);
    total.deleted += batch.deleted;
    total.artifactsRemoved += batch.artifactsRemoved;
    if (batch.deleted === 0) break;
    await yieldToEventLoop();
  }
  return total;
}
