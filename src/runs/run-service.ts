/**
 * The life of every request, owned once: write the row (QUEUED), register the run and its
 * AbortSignal, mark it RUNNING when the work leaves the queue, fold its events into the
 * outcome, write COMPLETED / FAILED / CANCELLED exactly once, and keep the replayable log.
 * Tasks bring only their engine call (and, for streams, a fold); history, cancellation,
 * shutdown and replay are the same for all of them.
 *
 * Extension points: an owner goes on the row in `open` and is checked in `find`, which
 * attach, replay and cancel all pass through; metrics are a RunObserver; a relay to other
 * replicas answers `registry.get` / `registry.cancel` for runs that are not local.
 */
import type { NewRequest, RequestOutcome, RequestRow, RequestStore } from '../db/request-store.js';
import type { Tenant } from '../db/tenant.js';
import { cancelled, isTesseraError, TesseraError } from '../errors.js';
import type { Logger } from '../logger.js';
import { asFailure, REFUSAL_CODES } from './failure.js';
import type { RunObserver } from './observer.js';
import type { RunRelay } from './relay.js';
import { PendingRun } from './pending-run.js';
import { ActiveRun, RunRegistry } from './run-registry.js';
import type { Ending, StreamFold } from './stream-fold.js';

export type RunSpec = NewRequest;

/** What a run follows besides its own cancellation: its client, or the pipeline it is a step of. */
export type Follow = { client: AbortSignal } | { parent: AbortSignal };

export interface OpenRun<E> {
  row: RequestRow;
  run: ActiveRun<E>;
  pending: PendingRun;
}

export interface StartedRun<E> extends OpenRun<E> {
  /** The final row once written; null when the request was refused and left no row. */
  done: Promise<RequestRow | null>;
}

const statusOf = (failure: TesseraError) => (failure.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED');

export class RunService {
  constructor(
    private readonly requests: RequestStore,
    private readonly logger: Logger,
    private readonly registry = new RunRegistry(),
    readonly observers: RunObserver[] = [],
    /** Reaches runs held by other replicas; null when this process is the only one. */
    private readonly relay: RunRelay | null = null,
    private readonly origin: Record<string, unknown> = {},
  ) {}

  /**
   * The same lifecycle seen by one tenant: rows are created as theirs, and `find` — which
   * attach, replay and cancel pass through — sees only theirs (all, for an admin), so someone
   * else's request reads exactly like one that does not exist. Live runs and observers are shared.
   */
  for(tenant: Tenant): RunService {
    return new RunService(this.requests.for(tenant), this.logger, this.registry, this.observers, this.relay, this.origin);
  }

  /**
   * The same lifecycle for requests that came through another API (`{ api: 'openai' }`): each
   * row's parameters carry the mark, so the history tells which front door a request used.
   */
  through(api: string): RunService {
    return new RunService(this.requests, this.logger, this.registry, this.observers, this.relay, { ...this.origin, api });
  }

  get isClosing(): boolean {
    return this.registry.isClosing;
  }

  get size(): number {
    return this.registry.size;
  }

  drain(timeoutMs: number) {
    return this.registry.drain(timeoutMs);
  }

  /** A run to prepare the engine call against before its row exists. */
  prepare(): PendingRun {
    return new PendingRun();
  }

  /**
   * Accepts the request: writes its row and registers its run. A closing server refuses a
   * new request before any row; a step of a running pipeline is still accepted then (its
   * pipeline is what the drain waits for) but not registered for cancelRequest.
   */
  async open<E>(spec: RunSpec, pending: PendingRun, follow: Follow): Promise<OpenRun<E>> {
    const step = 'parent' in follow;
    const refuse = (error: TesseraError) => {
      // Whatever the engine prepared against this run stops with it.
      pending.controller.abort(error);
      return error;
    };
    if (this.registry.isClosing && !step) throw refuse(new TesseraError('SHUTTING_DOWN', 'The server is shutting down and accepts no new work.'));
    const row = await this.requests.create({ ...spec, parameters: { ...spec.parameters, ...this.origin } });
    let run: ActiveRun<E>;
    try {
      run = step ? this.registry.startStep<E>(row.id, follow.parent, pending.controller) : this.registry.start<E>(row.id, follow.client, pending.controller);
    } catch (error) {
      await this.requests.discard(row.id);
      throw refuse(error as TesseraError);
    }
    this.notify('created', row);
    pending.bind((at) => {
      this.requests
        .markRunning(row.id, at)
        .then(() => this.notify('running', row, at))
        .catch((error: unknown) => this.logger.warn({ err: error, id: row.id }, 'could not mark running'));
    });
    return { row, run, pending };
  }

  /** One request whose work returns its value at once (OCR, VAD, classification, embeddings, steps). */
  async unary<T>(
    spec: RunSpec,
    follow: Follow,
    work: (run: PendingRun) => Promise<{ value: T; outcome: RequestOutcome }>,
  ): Promise<{ value: T; request: RequestRow }> {
    return this.complete(await this.open(spec, this.prepare(), follow), work);
  }

  /** Runs an opened run's work to its end and writes its final state; a failure is thrown after that. */
  async complete<T>(
    { row, run, pending }: OpenRun<unknown>,
    work: (run: PendingRun) => Promise<{ value: T; outcome: RequestOutcome }>,
  ): Promise<{ value: T; request: RequestRow }> {
    try {
      const { value, outcome } = await work(pending);
      if (pending.signal.aborted) throw pending.signal.reason;
      return { value, request: (await this.settle(row, pending, { status: 'COMPLETED', outcome }))! };
    } catch (error) {
      const failure = asFailure(error, pending.signal, this.logger, row.id);
      await this.settle(row, pending, { status: statusOf(failure), error: failure, outcome: pending.partial }).catch((e: unknown) =>
        this.logger.error({ err: e, id: row.id }, 'could not record the failure'),
      );
      // An unexpected error reaches the GraphQL layer as it is, to be masked there like any other.
      throw isTesseraError(error) || failure.code === 'CANCELLED' ? failure : error;
    } finally {
      run.end();
      this.notify('ended', row);
    }
  }

  /**
   * One request whose work streams events (generation, captioning, transcription, pipelines):
   * persisted and registered now, then pumped into the run's log by the request itself, not
   * by a subscriber, so a subscriber leaving cancels the work without racing its persistence.
   */
  async streamed<In, Out>(
    spec: RunSpec,
    pending: PendingRun,
    client: AbortSignal,
    events: AsyncIterable<In> | ((row: RequestRow) => AsyncIterable<In>),
    fold: StreamFold<In, Out>,
  ): Promise<StartedRun<Out>> {
    const open = await this.open<Out>(spec, pending, { client });
    return { ...open, done: this.pump(open, typeof events === 'function' ? events(open.row) : events, fold) };
  }

  /** Never rejects: every way out ends in a final state and a last event. */
  private async pump<In, Out>({ row, run, pending }: OpenRun<Out>, events: AsyncIterable<In>, fold: StreamFold<In, Out>): Promise<RequestRow | null> {
    const publish = (event: Out) => {
      run.publish(event);
      this.notify('published', row, event);
    };
    try {
      const opening = fold.opening?.(row);
      if (opening !== undefined) publish(opening);
      for await (const event of events) {
        const { publish: out, ending } = fold.step(event, pending, row);
        if (!ending) {
          if (out !== undefined) publish(out);
          continue;
        }
        // The one cancellation rule: a run aborted before its end is written ends CANCELLED.
        if (ending.status === 'COMPLETED' && pending.signal.aborted) throw pending.signal.reason;
        const stored = await this.settle(row, pending, ending);
        if (out !== undefined) publish(out);
        return stored;
      }
      throw new TesseraError('INFERENCE_FAILED', 'The work ended without a final event.');
    } catch (error) {
      const failure = asFailure(error, pending.signal, this.logger, row.id);
      const last = fold.broken(failure, row);
      const outcome = { ...pending.partial, ...last.outcome };
      const stored = await this.settle(row, pending, { status: statusOf(failure), error: failure, outcome }).catch((e: unknown) => {
        this.logger.error({ err: e, id: row.id }, 'could not record the failure');
        return null;
      });
      publish(last.publish);
      return stored;
    } finally {
      run.end();
      this.notify('ended', row);
    }
  }

  /** A started run's events for the client that started it; leaving early cancels the work. */
  async *follow<Out, Shown = Out>(started: StartedRun<Out>, view?: (events: AsyncIterable<Out>) => AsyncIterable<Shown>): AsyncGenerator<Shown> {
    const closeStream = this.registry.openStream();
    try {
      const events = started.run.attach();
      yield* view ? view(events) : (events as unknown as AsyncIterable<Shown>);
    } finally {
      if (!started.run.ended) started.pending.controller.abort(cancelled('The subscriber went away.'));
      // The final row is written before the subscription ends, so what a client reads next is settled.
      await started.done;
      closeStream();
    }
  }

  /** Reads a started run to its end: every event and the final row. */
  async collect<Out>(started: StartedRun<Out>): Promise<{ events: Out[]; request: RequestRow | null }> {
    const events: Out[] = [];
    for await (const event of started.run.attach()) events.push(event);
    return { events, request: await started.done };
  }

  /** The request with this id, for a caller that may see it. */
  async find(id: string): Promise<RequestRow> {
    const row = await this.requests.get(id);
    if (!row) throw new TesseraError('NOT_FOUND', `No request with id "${id}".`, { id });
    return row;
  }

  /**
   * Attaches to a request by id: a live run's events so far and then the rest, or a finished
   * one told again from its row by `replay`. `accepts` refuses a request of another kind.
   */
  async *attach<Out>(id: string, accepts: (row: RequestRow) => void, replay: (row: RequestRow) => AsyncIterable<Out>): AsyncGenerator<Out> {
    const row = await this.find(id);
    accepts(row);
    const active = row.status === 'QUEUED' || row.status === 'RUNNING';
    const local = this.registry.get<Out>(id);
    const live = local ?? (active ? this.relay?.follow<Out>(row, () => this.requests.isActive(id)) : undefined);
    if (live) {
      yield* live.attach();
      if (!local) yield* this.lastWordOfInterrupted(id, replay);
      return;
    }
    // It may have finished since `row` was read: replay what the history holds now.
    yield* replay(active ? ((await this.requests.get(id)) ?? row) : row);
  }

  /**
   * A run followed on another replica that died never sent its last event; once the sweep has
   * marked it INTERRUPTED, its row tells the ending instead.
   */
  private async *lastWordOfInterrupted<Out>(id: string, replay: (row: RequestRow) => AsyncIterable<Out>): AsyncGenerator<Out> {
    const final = await this.requests.get(id);
    if (final?.errorCode !== 'INTERRUPTED') return;
    let last: Out | undefined;
    for await (const event of replay(final)) last = event;
    if (last !== undefined) yield last;
  }

  /** Cancels a running request and waits for its final state; a finished one is returned as it is. */
  async cancel(id: string, reason = 'Cancelled by cancelRequest.'): Promise<RequestRow> {
    const row = await this.find(id);
    const live = this.registry.get(id);
    if (live && this.registry.cancel(id, reason)) await live.finished;
    else if (this.relay && (row.status === 'QUEUED' || row.status === 'RUNNING')) await this.relay.cancel(row, reason, () => this.requests.isActive(id));
    return (await this.requests.get(id))!;
  }

  /** A cancellation relayed from another replica: acts only if the run is held here. */
  cancelHere(id: string, reason: string): void {
    this.registry.cancel(id, reason);
  }

  /**
   * Writes the final state once. A refusal that came before the work started (a full queue,
   * a closing engine) removes the row instead: the request was never accepted.
   */
  private async settle(row: RequestRow, pending: PendingRun, ending: Ending): Promise<RequestRow | null> {
    if (pending.settled) return this.requests.get(row.id);
    pending.settled = true;
    if (ending.status !== 'COMPLETED' && REFUSAL_CODES.has(ending.error.code) && !pending.started && !row.parentId) {
      await this.requests.discard(row.id);
      this.notify('refused', row, ending.error.code);
      return null;
    }
    const outcome = ending.outcome ?? {};
    const known = { createdAt: row.createdAt, startedAt: pending.startTime };
    const final =
      ending.status === 'COMPLETED'
        ? await this.requests.complete(row.id, outcome, known)
        : ending.status === 'CANCELLED'
          ? await this.requests.cancel(row.id, outcome, ending.error.message, known)
          : await this.requests.fail(row.id, { code: ending.error.code, message: ending.error.message }, outcome, known);
    this.notify('settled', final);
    return final;
  }

  private notify<K extends keyof RunObserver>(kind: K, ...args: Parameters<NonNullable<RunObserver[K]>>): void {
    for (const observer of this.observers) {
      try {
        (observer[kind] as ((...a: typeof args) => void) | undefined)?.(...args);
      } catch (error) {
        this.logger.warn({ err: error, kind }, 'a run observer failed');
      }
    }
  }
}
