import type { Config } from '../config.js';
import type { Engine } from '../inference/engine.js';
import type { Database } from '../db/database.js';
import type { RequestStore } from '../db/request-store.js';
import type { ArtifactStore } from '../db/artifact-store.js';
import type { CollectionStore } from '../search/collection-store.js';
import type { RunService } from '../runs/run-service.js';
import type { Logger } from '../logger.js';

/** Long-lived services shared by every operation. */
export interface Services {
  config: Config;
  engine: Engine;
  db: Database;
  requests: RequestStore;
  artifacts: ArtifactStore;
  collections: CollectionStore;
  /** The request lifecycle: every task's row, run, final state and replay. */
  runs: RunService;
  logger: Logger;
}

/** What each resolver sees: the services plus this operation's id, logger and cancellation. */
export interface Context extends Services {
  requestId: string;
  /** Aborted when the client goes away (HTTP request aborted, WebSocket closed). */
  signal: AbortSignal;
}
