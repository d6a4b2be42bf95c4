import type { Config } from '../config.js';
import type { Engine } from '../inference/engine.js';
import type { Database } from '../db/database.js';
import type { RequestStore } from '../db/request-store.js';
import type { ArtifactStore } from '../db/artifact-store.js';
import type { CollectionStore } from '../search/collection-store.js';
import type { RunService } from '../runs/run-service.js';
import type { Logger } from '../logger.js';
import type { KeyStore } from '../auth/key-store.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import type { KeyLimits } from '../limits/key-limits.js';

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
  keys: KeyStore;
  authenticator: Authenticator;
  /** Per-key budgets; the generation path charges tokens with `limits.consumeTokens(principal.keyId, n)`. */
  limits: KeyLimits;
}

/**
 * What each resolver sees: the services plus this operation's id, logger and cancellation.
 * `requests`, `artifacts` and `collections` are bound to the principal's tenant: they create
 * rows as the caller's and read only the caller's (everyone's, for an admin).
 */
export interface Context extends Services {
  requestId: string;
  /** Who is calling; the implicit admin when AUTH=off. */
  principal: Principal;
  /** Aborted when the client goes away (HTTP request aborted, WebSocket closed). */
  signal: AbortSignal;
}
