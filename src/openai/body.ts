/**
 * Request bodies of the OpenAI-compatible API: bounded like GraphQL's (MAX_BODY_BYTES, from
 * Content-Length before a byte is read, and counted while reading a chunked one), typed by
 * Content-Type, and validated by a zod schema into the endpoint's typed request. Each
 * refusal is a coded error naming the parameter at fault.
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { TesseraError, tooLarge } from '../errors.js';
import { badParam } from './errors.js';

async function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > limit) {
    throw tooLarge(`The request body is ${length} bytes; the limit is ${limit} (MAX_BODY_BYTES).`, { limit });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(`The request body is over the limit of ${limit} bytes (MAX_BODY_BYTES).`, { limit });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function requireType(req: IncomingMessage, expected: string): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== expected) {
    throw new TesseraError('UNSUPPORTED_MEDIA_TYPE', `Send the body as ${expected}${type ? `, not ${type}` : ''}.`);
  }
}

/** The first issue of a failed parse, as OpenAI names parameters: `messages[0].content`. */
function refusal(error: z.ZodError): TesseraError {
  const issue = error.issues[0]!;
  const param = issue.path.reduce<string>((name, part) => (typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part)), '');
  return badParam(param, param ? `${param}: ${issue.message}` : issue.message);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw refusal(parsed.error);
  return parsed.data;
}

export async function readJson<S extends z.ZodType>(req: IncomingMessage, limit: number, schema: S): Promise<z.output<S>> {
  requireType(req, 'application/json');
  const text = (await readBytes(req, limit)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TesseraError('BAD_USER_INPUT', 'The request body is not valid JSON.');
  }
  return validate(schema, value);
}

/** A multipart/form-data body parsed by the platform's own parser (undici's FormData). */
export async function readForm(req: IncomingMessage, limit: number): Promise<FormData> {
  requireType(req, 'multipart/form-data');
  const bytes = await readBytes(req, limit);
  try {
    return await new Response(new Uint8Array(bytes), { headers: { 'content-type': req.headers['content-type']! } }).formData();
  } catch {
    throw new TesseraError('BAD_USER_INPUT', 'The multipart body could not be parsed.');
  }
}
