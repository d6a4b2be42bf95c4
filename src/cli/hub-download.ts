/**
 * Downloads files from a Hugging Face-compatible hub (`<endpoint>/<repo>/resolve/<rev>/<path>`).
 * Bytes land in `<file>.partial` first and a rerun continues it with an HTTP Range request,
 * so an interrupted multi-gigabyte download is not started over.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sha256File } from '../inference/repository/checksum.js';
import { ProgressBar, type ProgressSink } from './progress.js';

export interface HubLocation {
  endpoint: string;
  repo: string;
  revision: string;
  token?: string;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
}

export function resolveUrl(hub: HubLocation, path: string): string {
  const encodedPath = path.split('/').map(encodeURIComponent).join('/');
  return `${hub.endpoint.replace(/\/+$/, '')}/${hub.repo}/resolve/${encodeURIComponent(hub.revision)}/${encodedPath}`;
}

function headers(hub: HubLocation, extra: Record<string, string> = {}): Record<string, string> {
  return hub.token ? { ...extra, authorization: `Bearer ${hub.token}` } : extra;
}

/** Why a request never got an answer, in the words of the socket error under fetch's "fetch failed". */
function networkReason(error: unknown): string {
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** fetch, with a failure to connect reported as the URL and the reason. */
async function hubFetch(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw new DownloadError(`cannot reach ${url} (${networkReason(error)}); check HF_ENDPOINT and the network`, { cause: error });
  }
}

/** The repository's file list for a revision, from the hub's model API. */
export async function listHubFiles(hub: HubLocation): Promise<{ files: string[]; license?: string; commit?: string; pipelineTag?: string }> {
  const url = `${hub.endpoint.replace(/\/+$/, '')}/api/models/${hub.repo}/revision/${encodeURIComponent(hub.revision)}`;
  const response = await hubFetch(url, { headers: headers(hub) });
  if (!response.ok) throw new DownloadError(`${url}: HTTP ${response.status}`);
  const body = (await response.json()) as { sha?: string; siblings?: { rfilename: string }[]; cardData?: { license?: unknown }; pipeline_tag?: unknown };
  return {
    files: (body.siblings ?? []).map((s) => s.rfilename),
    license: typeof body.cardData?.license === 'string' ? body.cardData.license : undefined,
    commit: body.sha,
    pipelineTag: typeof body.pipeline_tag === 'string' ? body.pipeline_tag : undefined,
  };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The content sha256 the hub vouches for, when its ETag is one (large files stored in LFS). */
function vouchedSha256(response: Response): string | undefined {
  const tag = (response.headers.get('x-linked-etag') ?? response.headers.get('etag') ?? '').replace(/^W\//, '').replace(/"/g, '');
  return /^[0-9a-f]{64}$/.test(tag) ? tag : undefined;
}

export interface DownloadResult {
  sha256: string;
  bytes: number;
  /** The commit the hub resolved the revision to, when it said. */
  commit?: string;
}

export async function downloadFile(hub: HubLocation, path: string, target: string, progress: ProgressSink): Promise<DownloadResult> {
  const url = resolveUrl(hub, path);
  const partial = `${target}.partial`;
  await mkdir(dirname(target), { recursive: true });
  let offset = await sizeOf(partial);
  const response = await hubFetch(url, { headers: headers(hub, offset > 0 ? { range: `bytes=${offset}-` } : {}) });
  if (response.status === 416 && offset > 0) {
    // The partial file already holds everything the server has: finish it.
    await response.body?.cancel();
  } else {
    if (response.status === 200 && offset > 0) {
      // The server ignored the range; start over rather than append a second copy.
      await truncate(partial, 0);
      offset = 0;
    } else if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new DownloadError(`${url}: HTTP ${response.status}`);
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? offset + length : undefined;
    const bar = new ProgressBar(progress, path, total, offset);
    if (!response.body) throw new DownloadError(`${url}: empty response`);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bar.advance(chunk.length);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as never), counter, createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' }));
    } catch (error) {
      throw new DownloadError(`${path}: the download stopped at ${await sizeOf(partial)} bytes (${(error as Error).message}); run pull again to resume`);
    }
    bar.finish();
    if (total !== undefined && (await sizeOf(partial)) !== total) {
      throw new DownloadError(`${path}: got ${await sizeOf(partial)} of ${total} bytes; run pull again to resume`);
    }
  }
  const sha256 = await sha256File(partial);
  const vouched = vouchedSha256(response);
  if (vouched && vouched !== sha256) {
    await truncate(partial, 0);
    throw new DownloadError(`${path}: sha256 ${sha256} differs from the hub's ${vouched}; the partial file was discarded`);
  }
  await rename(partial, target);
  return { sha256, bytes: await sizeOf(target), commit: response.headers.get('x-repo-commit') ?? undefined };
}

/** The `license:` of the model card's YAML front matter (README.md), when the card has one. */
export async function cardLicense(hub: HubLocation): Promise<string | undefined> {
  const url = resolveUrl(hub, 'README.md');
  const response = await hubFetch(url, { headers: headers(hub) });
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  return frontMatterLicense(await response.text());
}

export function frontMatterLicense(card: string): string | undefined {
  const frontMatter = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(card);
  const line = frontMatter && /^license:[ \t]*(.+?)[ \t]*$/m.exec(frontMatter[1]);
  const value = line?.[1].replace(/^(["'])(.*)\1$/, '$2').trim();
  return value ? value : undefined;
}
