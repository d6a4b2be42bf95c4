/**
 * What a browser on another site must not be able to make the API do. Cross-origin callers
 * are served only when allow-listed (CORS_ORIGINS), and never with credentials; a request
 * carrying a foreign Origin is refused before it runs. Bodies a plain HTML form can send
 * without a CORS preflight (multipart, text/plain, and GETs) must carry a header no form can
 * set (yoga's CSRF prevention); form-encoded bodies are not GraphQL here at all.
 */
import { createGraphQLError, type Plugin, type YogaServerOptions } from 'graphql-yoga';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createOriginPolicy } from '../origins.js';

export interface BrowserSafetyPluginOptions {
  /** Cross-origin callers allowed besides the server's own origin; `*` allows any (without credentials). @default [] */
  allowedOrigins: readonly string[];
  /** Headers that prove a preflighted (non-form) request. @default ['graphql-require-preflight', 'x-graphql-yoga-csrf'] */
  csrfHeaders?: string[];
}

const ALLOWED_HEADERS = ['content-type', 'accept', 'authorization', 'graphql-require-preflight', 'x-graphql-yoga-csrf', 'x-request-id'];

export function useBrowserSafety(options: BrowserSafetyPluginOptions): Plugin {
  const origins = createOriginPolicy(options.allowedOrigins);
  const csrfHeaders = options.csrfHeaders ?? ['graphql-require-preflight', 'x-graphql-yoga-csrf'];
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(useCSRFPrevention({ requestHeaders: csrfHeaders }));
    },
    onRequest({ request, fetchAPI, endResponse }) {
      const origin = request.headers.get('origin');
      if (origin !== null && !origins.allows(origin, request.headers.get('host'))) {
        const body = { errors: [{ message: `Origin ${origin} is not allowed (CORS_ORIGINS).`, extensions: { code: 'FORBIDDEN' } }] };
        return endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 403, headers: { 'content-type': 'application/json; charset=utf-8' } }));
      }
    },
    onRequestParse({ request }) {
      const type = request.headers.get('content-type')?.toLowerCase() ?? '';
      if (type.startsWith('application/x-www-form-urlencoded')) {
        throw createGraphQLError('Form-encoded bodies are not accepted; send application/json or a multipart upload.', {
          extensions: { code: 'UNSUPPORTED_MEDIA_TYPE', http: { status: 415 } },
        });
      }
    },
  };
}

/** yoga's `cors` option: headers only for allow-listed foreign origins, and never credentials. */
export function corsFor(allowedOrigins: readonly string[]): NonNullable<YogaServerOptions<object, object>['cors']> {
  const origins = createOriginPolicy(allowedOrigins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !origins.isListed(origin)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    };
  };
}
