/**
 * A local HTTP server standing in for the Hugging Face Hub, for tests of `models pull`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256 } from '../fixtures/models/model-folder.js';

export const COMMIT = 'c0ffee0000000000000000000000000000000001';

interface HubRequest {
  url: string;
  range?: string;
}

/**
 * Serves `<root>/<owner>/<repo>/<path>` in the hub's URL scheme, with Range support, the
 * model API's file listing, LFS-style sha256 ETags on .onnx files, and the option to drop
 * the connection part-way through a file.
 */
export class LocalHub {
  readonly requests: HubRequest[] = [];
  /** Path → bytes after which the next response for it is cut off. */
  readonly cutAfter = new Map<string, number>();
  /** Path → a wrong sha256 to advertise. */
  readonly lyingEtag = new Map<string, string>();
  private server!: Server;
  endpoint = '';

  constructor(readonly root: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req.url ?? '/', req.headers.range, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  async add(repo: string, path: string, bytes: Uint8Array | string): Promise<void> {
    const full = join(this.root, repo, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, bytes);
  }

  private async handle(url: string, range: string | undefined, res: import('node:http').ServerResponse): Promise<void> {
    this.requests.push({ url, range });
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url);
    if (api) {
      const files = await this.walk(join(this.root, api[1]));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sha: COMMIT, siblings: files.map((rfilename) => ({ rfilename })), cardData: { license: 'apache-2.0' } }));
      return;
    }
    const resolveMatch = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    if (!resolveMatch) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const path = decodeURIComponent(resolveMatch[3]);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.root, resolveMatch[1], path));
    } catch {
      res.statusCode = 404;
      res.end('Entry not found');
      return;
    }
    res.setHeader('x-repo-commit', COMMIT);
    if (path.endsWith('.onnx')) res.setHeader('x-linked-etag', `"${this.lyingEtag.get(path) ?? sha256(bytes)}"`);
    let start = 0;
    const wanted = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (wanted) {
      start = Number(wanted[1]);
      if (start >= bytes.length) {
        res.statusCode = 416;
        res.end();
        return;
      }
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${bytes.length - 1}/${bytes.length}`);
    }
    const body = bytes.subarray(start);
    res.setHeader('content-length', body.length);
    const cut = this.cutAfter.get(path);
    if (cut !== undefined) {
      this.cutAfter.delete(path);
      res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(body);
  }

  private async walk(dir: string, prefix = ''): Promise<string[]> {
    const { readdir } = await import('node:fs/promises');
    const out: string[] = [];
    for (const d of await readdir(dir, { withFileTypes: true })) {
      if (d.isDirectory()) out.push(...(await this.walk(join(dir, d.name), `${prefix}${d.name}/`)));
      else out.push(`${prefix}${d.name}`);
    }
    return out;
  }
}
