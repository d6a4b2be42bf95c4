/**
 * What one endpoint of the OpenAI-compatible API is: its method and path, the scope it needs,
 * and a handler that gets the caller's context (authenticated, bound to its tenant, budget
 * counted) and answers on the response itself, so streams and files need no other path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '../contracts/context.js';
import type { Access } from './access.js';

export interface Endpoint {
  method: 'GET' | 'POST';
  /** Matched against the path; its groups are handed to `handle`. */
  path: RegExp;
  access: Access;
  handle(ctx: Context, req: IncomingMessage, res: ServerResponse, params: string[]): Promise<void>;
}

export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
