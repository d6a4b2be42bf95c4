import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

export interface RequestIdPluginOptions {
  /**
   * Incoming header whose value is trusted as the request id (e.g. from a proxy).
   * @default 'x-request-id'
   */
  header?: string;
}

const ids = new WeakMap<Request, string>();
const VALID_ID = /^[\w.:-]{1,128}$/;

/** The id of an HTTP request, taken from its header or made up once. */
export function requestIdOf(request: Request, header = 'x-request-id'): string {
  let id = ids.get(request);
  if (!id) {
    const given = request.headers.get(header);
    id = given && VALID_ID.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}

/** Echoes the request id on every response so a client can quote it when reporting a problem. */
export function useRequestId(options: RequestIdPluginOptions = {}): Plugin {
  const header = options.header ?? 'x-request-id';
  return {
    onResponse({ request, response }) {
      response.headers.set(header, requestIdOf(request, header));
    },
  };
}
