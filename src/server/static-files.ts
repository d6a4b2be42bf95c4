/** Serves the built web console from web/dist; the SPA's routes fall back to index.html. Paths arrive already checked to decode. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONSOLE_CSP } from './artifact-headers.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function createStaticHandler(root: string) {
  const index = path.join(root, 'index.html');
  return {
    available: () => existsSync(index),
    serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
      if (!existsSync(index)) return false;
      const requested = path.normalize(path.join(root, decodeURIComponent(pathname)));
      const inside = requested.startsWith(root + path.sep);
      const file = inside && existsSync(requested) && statSync(requested).isFile() ? requested : index;
      const immutable = file !== index && file.includes(`${path.sep}assets${path.sep}`);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': CONSOLE_CSP,
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return true;
    },
  };
}
