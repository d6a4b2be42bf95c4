/**
 * Run a streamed operation and follow it: one subscription at a time, its events folded into
 * a view the page draws, Stop (or leaving the page) completes the subscription through an
 * AbortSignal, and every failure ends as an ApiError with the server's code. Token streams
 * come faster than frames, so they may ask for one publication a frame (and one when it ends).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, subscribe, type ApiError } from '../api';
import type { TypedDocumentString } from '../gql/graphql';

export type StreamStatus = 'idle' | 'preparing' | 'streaming' | 'completed' | 'failed' | 'stopped';

export interface FoldControl {
  /** The operation reported a failure in its own events; the stream may still complete. */
  fail(error: ApiError): void;
}

/** Folds one event into the view, mutating it; the hook publishes a copy. */
export type Fold<T, S> = (view: S, data: T, control: FoldControl) => void;

export interface StreamOptions<S> {
  /** A fresh copy of the view for each publication (deep where the page mutates nested parts). */
  copy?: (view: S) => S;
  /** Publish at most once a frame (token streams) rather than per event (where each event must show). */
  perFrame?: boolean;
  /** Called once when a run ends, however it ends. */
  onSettle?: (status: StreamStatus, view: S) => void;
}

export interface StreamRun<S, V> {
  view: S | null;
  status: StreamStatus;
  error: ApiError | null;
  /** Preparing (uploading media first) or streaming. */
  running: boolean;
  /**
   * Starts a run from `initial`; `variables` may be a promise (media stored first) or a
   * function of the run's signal. A run already going is stopped first.
   */
  start(initial: S, variables: V | ((signal: AbortSignal) => Promise<V>)): Promise<void>;
  /** Completes the subscription (the server cancels the work); `notice` is shown in place of an error. */
  stop(notice?: ApiError): void;
  /** Drops the view and error, stopping any run. */
  reset(): void;
}

const shallow = <S>(view: S): S => ({ ...view });

interface Run<S> {
  controller: AbortController;
  frame: number;
  state: S;
  publish(): void;
}

export function useStream<T, V, S extends object>(document: TypedDocumentString<T, V>, fold: Fold<T, S>, options: StreamOptions<S> = {}): StreamRun<S, V> {
  const [view, setView] = useState<S | null>(null);
  const [status, setStatus] = useState<StreamStatus>('idle');
  const [error, setError] = useState<ApiError | null>(null);
  // The latest callbacks, so a run started on one render folds with the page's current closures.
  const latest = useRef({ fold, options });
  latest.current = { fold, options };
  const current = useRef<Run<S> | null>(null);

  function end(run: Run<S>) {
    cancelAnimationFrame(run.frame);
    if (current.current === run) current.current = null;
    run.controller.abort();
  }

  useEffect(() => () => void (current.current && end(current.current)), []);

  async function start(initial: S, variables: V | ((signal: AbortSignal) => Promise<V>)) {
    if (current.current) end(current.current);
    const state = initial;
    const copy = () => (latest.current.options.copy ?? shallow)(state);
    const publish = () => {
      run.frame = 0;
      setView(copy());
    };
    const run: Run<S> = { controller: new AbortController(), frame: 0, state, publish };
    current.current = run;
    const { signal } = run.controller;
    let outcome: StreamStatus = 'completed';
    const settle = (final: StreamStatus, failure?: ApiError) => {
      if (signal.aborted) return;
      end(run);
      setView(copy());
      setStatus(final);
      if (failure) setError(failure);
      latest.current.options.onSettle?.(final, state);
    };
    setError(null);
    setView(copy());
    let resolved: V;
    if (typeof variables === 'function') {
      setStatus('preparing');
      try {
        resolved = await (variables as (signal: AbortSignal) => Promise<V>)(signal);
      } catch (failure) {
        settle('failed', asApiError(failure));
        return;
      }
      if (signal.aborted) return;
    } else resolved = variables;
    setStatus('streaming');
    const control: FoldControl = {
      fail(failure) {
        outcome = 'failed';
        setError(failure);
      },
    };
    const unsubscribe = subscribe(document, resolved, {
      next(data) {
        latest.current.fold(state, data, control);
        if (!latest.current.options.perFrame) run.publish();
        else if (!run.frame) run.frame = requestAnimationFrame(run.publish);
      },
      error: (failure) => settle('failed', failure),
      complete: () => settle(outcome),
    });
    signal.addEventListener('abort', unsubscribe, { once: true });
  }

  function stop(notice?: ApiError) {
    const run = current.current;
    if (!run) return;
    end(run);
    run.publish();
    setStatus('stopped');
    if (notice) setError(notice);
    latest.current.options.onSettle?.('stopped', run.state);
  }

  function reset() {
    if (current.current) end(current.current);
    setView(null);
    setStatus('idle');
    setError(null);
  }

  return { view, status, error, running: status === 'preparing' || status === 'streaming', start, stop, reset };
}
