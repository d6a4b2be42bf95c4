/**
 * Tessera's metrics registry: the request series (an observer on the run service), the
 * engine's model gauges, event-loop lag and prom-client's process defaults. One per app, so
 * two apps in one process (tests) never share counts.
 */
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { ModelInfo } from '../inference/types.js';
import type { RunObserver } from '../runs/observer.js';
import { registerEventLoopLag } from './event-loop-lag.js';
import { registerModelGauges } from './model-gauges.js';
import { runMetrics } from './run-metrics.js';

export class TesseraMetrics {
  readonly registry = new Registry();
  /** Push onto the run service's observers. */
  readonly observer: RunObserver;
  private readonly lag: { stop(): void };
  /** Rows of stopped replicas (or of the previous process) this one marked INTERRUPTED. */
  readonly interrupted: Counter;
  /**
   * Every error a client was sent, by code: also the refusals that leave no row and never reach
   * the run service (validation, OVERLOADED from a full generation queue, …).
   */
  readonly errors: Counter<'code'>;

  constructor(models: () => ModelInfo[]) {
    collectDefaultMetrics({ register: this.registry });
    this.observer = runMetrics(this.registry);
    registerModelGauges(this.registry, models);
    this.lag = registerEventLoopLag(this.registry);
    this.interrupted = new Counter({
      name: 'tessera_interrupted_requests_total',
      help: 'Active requests of a stopped replica (or a previous process) that this replica marked FAILED with INTERRUPTED.',
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'tessera_graphql_errors_total',
      help: 'Errors sent to GraphQL clients, by extensions.code (refusals before a request was accepted included).',
      labelNames: ['code'],
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.lag.stop();
  }
}
