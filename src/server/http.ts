/**
 * The HTTP front door: health, artifacts, the web console, GraphQL through yoga, and the
 * OpenAI-compatible API under /v1.
 * Body size is refused here, before yoga reads a byte, from Content-Length.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../contracts/context.js';
import { SSE_ENDPOINT, type TesseraYoga } from './yoga.js';
import { checkReadiness } from './health.js';
import { serveHistoryExport } from './history-export.js';
import { createStaticHandler } from './static-files.js';
import { tenantOf } from '../auth/principal.js';
import { isTesseraError } from '../errors.js';
import { createOpenAiHandler, OPENAI_PREFIX } from '../openai/router.js';
import { artifactHeaders } from './artifact-headers.js';
import type { TesseraMetrics } from '../metrics/tessera-metrics.js';
import { METRICS_PATH, serveMetricsWithKey } from './metrics-endpoint.js';
import { coalesceResponseWritesPerTurn } from './turn-writes.js';

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function graphqlError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code, http: { status } } }] }, { connection: 'close' });
}

function decodes(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

export function createRequestHandler(services: Services, yoga: TesseraYoga, webRoot: string, metrics?: TesseraMetrics) {
  const web = createStaticHandler(webRoot);
  const limit = services.config.MAX_BODY_BYTES;
  const openai = createOpenAiHandler(services);

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let pathname = '/';
    try {
      ({ pathname } = new URL(req.url ?? '/', 'http://localhost'));
      if (!decodes(pathname)) return sendJson(res, 400, { error: 'malformed percent-encoding in the path' });
      if (pathname === '/health/live') return sendJson(res, 200, { status: 'ok' });
      if (pathname === '/health/ready') {
        const readiness = await checkReadiness(services);
        return sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not ready', ...readiness });
      }
      if (pathname === METRICS_PATH && metrics) return await serveMetricsWithKey(metrics, services.authenticator, req, res);
      // Streams (SSE) write each event as it comes: a turn's events go out in one socket write.
      const streams = pathname.startsWith(OPENAI_PREFIX) || pathname === '/graphql' || pathname === SSE_ENDPOINT;
      if (streams) coalesceResponseWritesPerTurn(res);
      if (pathname.startsWith(OPENAI_PREFIX)) return await openai(req, res, pathname);
      if (pathname === '/history/export' && (req.method === 'GET' || req.method === 'HEAD')) {
        return await serveHistoryExport(services, req, res, new URL(req.url ?? '/', 'http://localhost'));
      }
      if (pathname.startsWith('/artifacts/')) return await serveArtifact(services, req, res, pathname.slice('/artifacts/'.length));
      if (pathname === '/graphql' || pathname === SSE_ENDPOINT) {
        if (req.method === 'POST') {
          const length = req.headers['content-length'];
          if (length === undefined && req.headers['transfer-encoding']) {
            return graphqlError(res, 411, 'BAD_USER_INPUT', 'Send a Content-Length header; chunked request bodies are not accepted.');
          }
          if (length !== undefined && Number(length) > limit) {
            return graphqlError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is ${length} bytes; the limit is ${limit} (MAX_BODY_BYTES).`);
          }
        }
        await yoga.handle(req, res);
        return;
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && web.serve(req, res, pathname)) return;
      if (pathname === '/') {
        res.writeHead(302, { location: '/graphql' });
        return void res.end();
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (error) {
      services.logger.error({ err: error, path: pathname }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  };
}

async function serveArtifact(services: Services, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  let principal;
  try {
    principal = await services.authenticator.authenticate(req.headers.authorization);
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return sendJson(res, error.httpStatus, { errors: [{ message: error.message, extensions: { code: error.code } }] }, { 'www-authenticate': 'Bearer' });
  }
  // Another key's artifact answers exactly like a missing one.
  const artifact = await services.artifacts.get(id, tenantOf(principal));
  if (!artifact) return sendJson(res, 404, { error: `no artifact ${id}` });
  if (req.headers['if-none-match'] === `"${artifact.id}"`) {
    res.writeHead(304);
    return void res.end();
  }
  res.writeHead(200, {
    ...artifactHeaders(artifact),
    'content-length': String(artifact.byteSize),
    etag: `"${artifact.id}"`,
    // Content-addressed: the bytes behind an id never change. Behind keys, no shared cache may keep them.
    'cache-control': `${services.config.AUTH === 'required' ? 'private' : 'public'}, max-age=31536000, immutable`,
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(services.artifacts.pathOf(artifact.id)).pipe(res);
}
