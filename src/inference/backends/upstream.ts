/**
 * Every call to a remote engine goes through `callUpstream`, so one mapping turns what the
 * upstream did into our codes: unreachable or 5xx is UPSTREAM_UNAVAILABLE, no answer in time
 * is UPSTREAM_TIMEOUT, 429/503 is OVERLOADED (the upstream's own queue is not hidden), and
 * a 4xx is the caller's input, BAD_USER_INPUT with the upstream's own message. A client
 * that leaves aborts the fetch, which closes the upstream connection.
 */
import { abortError, TesseraError } from '../../errors.js';

export interface Upstream {
  /** Names the upstream in messages, e.g. `openai backend of "tessera-remote-lm"`. */
  what: string;
  url: string;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface UpstreamRequest {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** A multipart form, sent as it is. */
  form?: FormData;
  signal?: AbortSignal;
  /** Extra headers for this call (Accept for a stream). */
  headers?: Record<string, string>;
}

/** The URL as it may be shown: without user, password or query (where keys hide). */
export function publicUrl(url: string): string {
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  shown.search = '';
  return shown.toString().replace(/\/$/, '');
}

/** `base` + `path`; user and password in the base become Basic auth, which fetch will not take in a URL. */
export function target(base: string, path: string): { url: string; headers: Record<string, string> } {
  const parsed = new URL(base);
  const headers: Record<string, string> = {};
  if (parsed.username || parsed.password) {
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return { url: parsed.toString(), headers };
}

/**
 * One call's cancellation: the client's signal, and a timer the caller re-arms (`touch`) each
 * time the upstream shows life, so a stream that keeps sending is never cut while one that
 * stalls is. One controller per call, its listener on the client's signal removed when the
 * call ends, so a long-lived signal does not collect listeners.
 */
export class UpstreamCall {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort: () => void;
  readonly signal = this.controller.signal;

  constructor(
    private readonly upstream: Upstream,
    private readonly outer?: AbortSignal,
  ) {
    this.onAbort = () => this.controller.abort(outer!.reason);
    if (outer?.aborted) this.onAbort();
    else outer?.addEventListener('abort', this.onAbort, { once: true });
    this.touch();
  }

  touch(): void {
    clearTimeout(this.timer);
    const { timeoutMs, what } = this.upstream;
    this.timer = setTimeout(() => this.controller.abort(new TesseraError('UPSTREAM_TIMEOUT', `The ${what} did not answer within ${timeoutMs} ms.`)), timeoutMs);
    this.timer.unref();
  }

  /** Ends the call: the timer stops, and a connection still open is closed. */
  end(reason: unknown = new TesseraError('CANCELLED', 'The upstream call ended.')): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

/** Fetches `path`; resolves with a 2xx response whose body the caller reads under `call`. */
export async function callUpstream(upstream: Upstream, path: string, request: UpstreamRequest, call: UpstreamCall): Promise<Response> {
  const { url, headers } = target(upstream.url, path);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? (request.body === undefined && !request.form ? 'GET' : 'POST'),
      headers: {
        ...headers,
        ...upstream.headers,
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      body: request.form ?? (request.body === undefined ? undefined : JSON.stringify(request.body)),
      signal: call.signal,
    });
  } catch (error) {
    throw failedCall(upstream, error, call.signal);
  }
  call.touch();
  if (!response.ok) throw await statusError(upstream, response);
  return response;
}

/** A call that ends with the whole JSON body, under one deadline. */
export async function callUpstreamJson<T>(upstream: Upstream, path: string, request: UpstreamRequest): Promise<T> {
  const call = new UpstreamCall(upstream, request.signal);
  try {
    const response = await callUpstream(upstream, path, request, call);
    try {
      return (await response.json()) as T;
    } catch (error) {
      if (call.signal.aborted) throw failedCall(upstream, error, call.signal);
      throw new TesseraError('UPSTREAM_UNAVAILABLE', `The ${upstream.what} sent a body that is not JSON.`);
    }
  } finally {
    call.end();
  }
}

/** What a fetch that threw means: our own abort (client gone, deadline) or an unreachable upstream. */
export function failedCall(upstream: Upstream, error: unknown, signal: AbortSignal): TesseraError {
  if (signal.aborted) return abortError(signal);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return new TesseraError('UPSTREAM_UNAVAILABLE', `The ${upstream.what} at ${publicUrl(upstream.url)} cannot be reached (${detail}).`, undefined, { cause: error });
}

async function statusError(upstream: Upstream, response: Response): Promise<TesseraError> {
  const message = upstreamMessage(await response.text().catch(() => ''));
  const said = `The ${upstream.what} answered ${response.status}${message ? `: ${message}` : ''}`;
  const details = { upstreamStatus: response.status };
  if (response.status === 429 || response.status === 503) return new TesseraError('OVERLOADED', `${said}; retry later.`, details);
  if (response.status === 504 || response.status === 408) return new TesseraError('UPSTREAM_TIMEOUT', said, details);
  if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403) {
    return new TesseraError('BAD_USER_INPUT', message || said, details);
  }
  // 401/403 is our key for the upstream, not the client's input; a 5xx is the upstream failing.
  return new TesseraError('UPSTREAM_UNAVAILABLE', said, details);
}

/** The error text of OpenAI (`{error:{message}}`), KServe (`{error:"..."}`) and TGI (`{error, error_type}`) bodies. */
function upstreamMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: string | { message?: string }; message?: string; detail?: string };
    if (typeof json.error === 'string') return json.error;
    if (json.error && typeof json.error.message === 'string') return json.error.message;
    return json.message ?? json.detail ?? '';
  } catch {
    return body.slice(0, 500).trim();
  }
}
