/**
 * Keeps this replica alive in the shared database and, on every beat, ends what dead replicas
 * left behind: their active rows become FAILED (INTERRUPTED). Beats come three times per
 * timeout, so one slow beat never makes a live replica look dead.
 */
import type { InstanceStore } from '../db/instance-store.js';
import type { RequestStore } from '../db/request-store.js';
import type { Logger } from '../logger.js';

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly instanceId: string,
    private readonly instances: InstanceStore,
    private readonly requests: RequestStore,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    /** Told how many rows each sweep ended (for the metrics). */
    private readonly onInterrupted: (count: number) => void = () => undefined,
  ) {}

  /** Registers this replica, sweeps once, then keeps beating. */
  async start(): Promise<number> {
    await this.instances.register(this.instanceId);
    const interrupted = await this.sweep();
    this.schedule();
    return interrupted;
  }

  /** Ends the rows of replicas whose heartbeat stopped; how many it ended. */
  async sweep(): Promise<number> {
    const count = await this.requests.interruptOrphaned(new Date(Date.now() - this.timeoutMs));
    if (count > 0) this.onInterrupted(count);
    return count;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.beating = this.tick().finally(() => this.schedule());
    }, Math.max(100, Math.floor(this.timeoutMs / 3)));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.instances.beat(this.instanceId);
      const interrupted = await this.sweep();
      if (interrupted > 0) this.logger.warn({ interrupted }, 'marked requests of a stopped replica as FAILED (INTERRUPTED)');
    } catch (error) {
      this.logger.warn({ err: error }, 'heartbeat failed');
    }
  }

  /** After the drain: nothing of ours is active any more, so the others may stop waiting for us. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.beating;
    await this.instances.stopped(this.instanceId).catch((error: unknown) => this.logger.warn({ err: error }, 'could not record the stop'));
  }
}
