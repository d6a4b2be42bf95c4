/**
 * The decode thread's outgoing events, sent to the server's thread one message per step. Under
 * load a step's tokens may wait for the next steps', so each client gets a few tokens per message
 * (and, with the server's per-turn write coalescing, per socket write): every message costs the
 * server's thread a wake-up and each client a write, which is the work that competes with
 * onnxruntime for the cores. The issue allows this coalescing as long as tokens keep their order
 * and each one is delivered; a request's start, its first token and its end are never held, so
 * time to first token and the final state do not move.
 */

export interface OutboxPolicy {
  /** Under load means at least this many open requests; with fewer, every step is sent at once. */
  minRows: number;
  /** Events may wait up to this long per open request: the more streams, the fewer messages per token. */
  perRowMs: number;
  /** And never longer than this, however many streams are open. */
  maxHoldMs: number;
}

/**
 * 8 ms per open request keeps the server's thread to about 125 messages a second from this model
 * however many streams decode (one message carries a step's or a few steps' events), and each
 * client to one write per 8 × N ms: at 32 streams of GPT-2-small on 2 cores, where a step takes
 * ~90 ms, about three tokens per message. One to three streams are not load: a small model's
 * millisecond steps would otherwise reach a lone client in bursts.
 */
export const DEFAULT_OUTBOX_POLICY: OutboxPolicy = { minRows: 4, perRowMs: 8, maxHoldMs: 250 };

/** What the outbox needs to know of an event: the ones a client must see at once. */
export type Urgency = 'urgent' | 'may-wait';

export class Outbox<E> {
  private items: [number, E][] = [];
  private urgent = false;
  /** When the oldest held item was pushed; null when nothing is held. */
  private oldestAt: number | null = null;
  private lastBoundaryAt: number | null = null;
  private backstop: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (items: [number, E][]) => void,
    private readonly policy: OutboxPolicy = DEFAULT_OUTBOX_POLICY,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(id: number, event: E, urgency: Urgency): void {
    this.items.push([id, event]);
    this.oldestAt ??= this.now();
    if (urgency === 'urgent') this.urgent = true;
  }

  /**
   * Called at each step boundary (when the loop yields). Sends what waits, unless nothing urgent
   * waits and the next step should land before the oldest item has waited the hold for this many
   * open requests (a step is assumed to take as long as the last one).
   */
  boundary(openRows: number): void {
    const at = this.now();
    const stepMs = this.lastBoundaryAt === null ? Infinity : at - this.lastBoundaryAt;
    this.lastBoundaryAt = at;
    if (this.items.length === 0) return;
    const waited = at - (this.oldestAt ?? at);
    const holdMs = Math.min(this.policy.maxHoldMs, openRows * this.policy.perRowMs);
    const hold = openRows >= this.policy.minRows && !this.urgent && waited + stepMs <= holdMs;
    if (!hold) {
      this.flush();
      return;
    }
    // The loop may go idle or stall after this step: a timer still sends within the bound.
    this.backstop ??= setTimeout(() => this.flush(), Math.max(0, holdMs - waited));
  }

  /** Sends everything now (closing, or the backstop). */
  flush(): void {
    if (this.backstop) clearTimeout(this.backstop);
    this.backstop = null;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.urgent = false;
    this.oldestAt = null;
    this.send(items);
  }
}
