/**
 * `GET /metrics` in the Prometheus text format: on the API port behind an admin key (open
 * with AUTH=off, like every admin field), and on METRICS_PORT without one, for a scraper on
 * a private network that should hold no key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Authenticator } from '../auth/authenticator.js';
import { can } from '../auth/principal.js';
import { isTesseraError } from '../errors.js';
import type { TesseraMetrics } from '../metrics/tessera-metrics.js';

export const METRICS_PATH = '/metrics';

async function send(metrics: TesseraMetrics, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    return void res.end();
  }
  const body = await metrics.scrape();
  res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** The API port's /metrics: admin keys only. */
export async function serveMetricsWithKey(metrics: TesseraMetrics, authenticator: Authenticator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const principal = await authenticator.authenticate(req.headers.authorization ?? null);
    if (!can(principal, 'admin')) return refuse(res, 403, 'FORBIDDEN', 'Reading /metrics needs an admin key (or METRICS_PORT, which needs none).');
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return refuse(res, error.httpStatus, error.code, error.message);
  }
  await send(metrics, req, res);
}

/** A listener that answers only /metrics, without a key. */
export function listenForMetrics(metrics: TesseraMetrics, port: number, host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('not found: only /metrics is served here');
    }
    send(metrics, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
