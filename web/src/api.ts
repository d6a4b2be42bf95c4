/**
 * The console's only way to the server: GraphQL over fetch (JSON and the multipart request
 * spec) and graphql-ws for subscriptions. Every failure becomes an ApiError carrying the
 * server's extensions.code, so pages can show what the server said.
 */
import { createClient, type Client } from 'graphql-ws/client';
import type { TypedDocumentString } from './gql/graphql';
import { authorization, onApiKeyChange } from './lib/api-key';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface WireError {
  message: string;
  extensions?: { code?: unknown };
}

interface WireResult<T> {
  data?: T | null;
  errors?: readonly WireError[];
}

function fromErrors(errors: readonly WireError[]): ApiError {
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'GRAPHQL_ERROR';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new ApiError(code, `${first?.message ?? 'Unknown error'}${more}`);
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === 'AbortError') return new ApiError('ABORTED', 'The request was abandoned.');
  return new ApiError('CLIENT_ERROR', error instanceof Error ? error.message : String(error));
}

async function send<T>(init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', init);
  } catch (error) {
    if (init.signal?.aborted) throw asApiError(init.signal.reason ?? error);
    throw new ApiError('NETWORK_ERROR', `The server could not be reached (${error instanceof Error ? error.message : String(error)}).`);
  }
  let body: WireResult<T>;
  try {
    body = (await response.json()) as WireResult<T>;
  } catch {
    throw new ApiError(`HTTP_${response.status}`, `The server answered ${response.status} ${response.statusText} without a GraphQL result.`);
  }
  if (body.errors?.length) throw fromErrors(body.errors);
  if (!body.data) throw new ApiError('EMPTY_RESULT', 'The server answered without data.');
  return body.data;
}

const ACCEPT = 'application/graphql-response+json, application/json';

export function request<T, V>(document: TypedDocumentString<T, V>, variables?: V, signal?: AbortSignal): Promise<T> {
  return send<T>({
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...authorization() },
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    signal,
  });
}

export interface UploadFile {
  /** The variable the file binds to, e.g. "input.image.file"; the operations part carries null there, as the spec asks. */
  path: string;
  file: Blob;
  name: string;
}

/** Files through the GraphQL multipart request spec, one map entry each. */
export function uploadFiles<T, V>(document: TypedDocumentString<T, V>, variables: V, files: readonly UploadFile[]): Promise<T> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: document.toString(), variables }));
  form.set('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [i, [`variables.${f.path}`]]))));
  files.forEach((f, i) => form.set(String(i), f.file, f.name));
  // A header a plain HTML form cannot send: multipart requests are not CSRF-able this way.
  return send<T>({ method: 'POST', body: form, headers: { accept: ACCEPT, 'graphql-require-preflight': '1', ...authorization() } });
}

/** One file: `path` names the variable it binds to. */
export function upload<T, V>(document: TypedDocumentString<T, V>, variables: V, path: string, file: Blob, fileName: string): Promise<T> {
  return uploadFiles(document, variables, [{ path, file, name: fileName }]);
}

/** Media and other plain HTTP reads, with the key when one is set. */
export function fetchWithKey(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...authorization(), ...(init.headers as Record<string, string> | undefined) } });
}

let socket: Client | undefined;

// A new key takes effect on the next subscription: the lazy client it replaces closes by
// itself once its running subscriptions end, so they are not cut off.
onApiKeyChange(() => {
  socket = undefined;
});

function socketClient(): Client {
  if (!socket) {
    const url = new URL('/graphql', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    // Browsers cannot set headers on a WebSocket; the key travels in connection_init instead.
    socket = createClient({ url: url.href, lazy: true, retryAttempts: 0, connectionParams: () => authorization() });
  }
  return socket;
}

export interface SubscriptionHandlers<T> {
  next(data: T): void;
  error(error: ApiError): void;
  complete(): void;
}

function socketError(error: unknown): ApiError {
  if (Array.isArray(error)) return fromErrors(error as WireError[]);
  if (error instanceof Error) return asApiError(error);
  if (error && typeof error === 'object' && 'code' in error) {
    const close = error as CloseEvent;
    // graphql-ws closes with 4401/4403 when connection_init is refused.
    if (close.code === 4401) return new ApiError('UNAUTHENTICATED', `The server refused the connection (${close.reason || 'Unauthorized'}).`);
    if (close.code === 4403) return new ApiError('FORBIDDEN', `The server refused the connection (${close.reason || 'Forbidden'}).`);
    return new ApiError('CONNECTION_CLOSED', `The WebSocket closed (${close.code}${close.reason ? `: ${close.reason}` : ''}).`);
  }
  return new ApiError('CONNECTION_ERROR', 'The WebSocket connection failed.');
}

/** Subscribes over graphql-ws; the returned function completes the subscription (the server sees the client leave). */
export function subscribe<T, V>(document: TypedDocumentString<T, V>, variables: V, handlers: SubscriptionHandlers<T>): () => void {
  let done = false;
  const stop = socketClient().subscribe<T>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next(result) {
        if (done) return;
        if (result.errors?.length) {
          done = true;
          handlers.error(fromErrors(result.errors as readonly WireError[]));
        } else if (result.data) handlers.next(result.data as T);
      },
      error(error) {
        if (done) return;
        done = true;
        handlers.error(socketError(error));
      },
      complete() {
        if (done) return;
        done = true;
        handlers.complete();
      },
    },
  );
  return () => {
    done = true;
    stop();
  };
}
