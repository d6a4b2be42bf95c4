/**
 * Typed GraphQL clients for tests: plain HTTP (JSON and multipart), graphql-ws over a real
 * WebSocket, and SSE through fetch. Documents come from codegen (test/generated).
 */
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface HttpResult<T> {
  status: number;
  body: ExecutionResult<T> & { errors?: { message: string; extensions?: { code?: string } }[] };
  headers: Headers;
}

export async function gql<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...init.headers },
    body: JSON.stringify({ query: print(document), variables }),
    signal: init.signal,
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** The GraphQL multipart request spec: one file bound to one variable path. */
export async function gqlUpload<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  file: { path: string; bytes: Uint8Array; name: string; type: string },
): Promise<HttpResult<T>> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: print(document), variables }));
  form.set('map', JSON.stringify({ 0: [`variables.${file.path}`] }));
  form.set('0', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  const response = await fetch(url, { method: 'POST', body: form, headers: { 'graphql-require-preflight': '1' } });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

export function wsClient(wsUrl: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
}

/** Subscribes over graphql-ws and yields each payload; leaving the loop completes the subscription. */
export async function* subscribeWs<T, V>(client: Client, document: TypedDocumentNode<T, V>, variables: V): AsyncGenerator<ExecutionResult<T>> {
  const iterator = client.iterate<T>({ query: print(document), variables: variables as Record<string, unknown> });
  try {
    for await (const result of iterator) yield result as ExecutionResult<T>;
  } finally {
    await iterator.return?.();
  }
}

/** Subscribes over SSE (yoga's default) and yields each `next` payload; aborting the signal drops the connection. */
export async function* subscribeSse<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): AsyncGenerator<ExecutionResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
    signal,
  });
  if (!response.body) throw new Error(`no SSE body (status ${response.status})`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (event === 'complete') return;
      if (data) yield JSON.parse(data) as ExecutionResult<T>;
    }
  }
}
