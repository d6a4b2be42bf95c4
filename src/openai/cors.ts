/**
 * Browsers and the OpenAI-compatible API, under the same policy as GraphQL (CORS_ORIGINS): a
 * request carrying a foreign Origin that is not allow-listed is refused before anything runs
 * (which also stops a cross-site form posting multipart), an allow-listed one gets CORS
 * headers without credentials, and its preflight is answered here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TesseraError } from '../errors.js';
import { createOriginPolicy } from '../server/origins.js';

const ALLOWED_HEADERS = 'authorization, content-type, accept, x-request-id, openai-organization, openai-project, x-stainless-os, x-stainless-lang, x-stainless-package-version, x-stainless-runtime, x-stainless-runtime-version, x-stainless-arch, x-stainless-retry-count, x-stainless-timeout';

/** Returns true when the request was a preflight and has been answered. */
export function createCorsGate(allowedOrigins: readonly string[]) {
  const origins = createOriginPolicy(allowedOrigins);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    if (!origins.allows(origin, req.headers.host)) throw new TesseraError('FORBIDDEN', `Origin ${origin} is not allowed (CORS_ORIGINS).`);
    if (origins.isListed(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
    }
    if (req.method !== 'OPTIONS') return false;
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
    });
    res.end();
    return true;
  };
}
