/**
 * Turns a MediaInput into stored bytes: exactly one source, within the upload limit, of the
 * modality the task expects. The bytes are stored content-addressed before any inference.
 */
import { readFile } from 'node:fs/promises';
import type { Context } from '../contracts/context.js';
import { badInput, TesseraError, tooLarge } from '../errors.js';
import { sniffMediaType } from '../inference/media/sniff.js';
import type { StoredArtifact } from '../db/artifact-store.js';

export interface MediaInputValue {
  file?: File | null;
  base64?: string | null;
  artifactId?: string | number | null;
}

export interface ResolvedMedia {
  bytes: Uint8Array;
  artifact: StoredArtifact;
}

export type MediaKind = 'image' | 'audio';

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

function stripDataUrl(value: string): string {
  const comma = value.startsWith('data:') ? value.indexOf(',') : -1;
  return comma >= 0 ? value.slice(comma + 1) : value;
}

async function readSource(ctx: Context, input: MediaInputValue): Promise<{ bytes: Uint8Array; declaredType: string | null }> {
  const given = [input.file, input.base64, input.artifactId].filter((v) => v != null && v !== '');
  if (given.length !== 1) throw badInput('Set exactly one of file, base64 or artifactId in MediaInput.');
  const limit = ctx.config.MAX_UPLOAD_BYTES;
  if (input.file) {
    if (input.file.size > limit) throw tooLarge(`The file is ${input.file.size} bytes; the limit is ${limit}.`, { limit });
    return { bytes: new Uint8Array(await input.file.arrayBuffer()), declaredType: input.file.type || null };
  }
  if (input.base64 != null) {
    const payload = stripDataUrl(input.base64);
    // Decoded size is 3/4 of the text: refuse before allocating it.
    if (Math.floor((payload.length * 3) / 4) > limit) throw tooLarge(`The base64 payload decodes past the ${limit}-byte limit.`, { limit });
    if (!BASE64.test(payload)) throw badInput('base64 is not valid base64.');
    return { bytes: new Uint8Array(Buffer.from(payload, 'base64')), declaredType: null };
  }
  const artifact = await ctx.artifacts.get(String(input.artifactId));
  if (!artifact) throw new TesseraError('NOT_FOUND', `No artifact with id "${input.artifactId}".`, { artifactId: input.artifactId });
  return { bytes: new Uint8Array(await readFile(ctx.artifacts.pathOf(artifact.id))), declaredType: artifact.contentType };
}

export async function resolveMedia(ctx: Context, input: MediaInputValue, expected?: MediaKind): Promise<ResolvedMedia> {
  const { bytes, declaredType } = await readSource(ctx, input);
  if (bytes.byteLength === 0) throw badInput('The media is empty.');
  const sniffed = sniffMediaType(bytes);
  if (expected && sniffed && !sniffed.startsWith(`${expected}/`)) {
    throw badInput(`Expected ${expected === 'image' ? 'an image' : 'audio'}, got ${sniffed}.`, { contentType: sniffed });
  }
  const contentType = sniffed ?? declaredType ?? 'application/octet-stream';
  const artifact = await ctx.artifacts.put(bytes, contentType);
  return { bytes, artifact };
}

export async function uploadArtifact(ctx: Context, input: MediaInputValue): Promise<StoredArtifact> {
  return (await resolveMedia(ctx, input)).artifact;
}
