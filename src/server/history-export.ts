/**
 * GET /history/export?format=ndjson|csv&task=&model=&status=&since=&until=&text= — the
 * caller's history (everyone's, for an admin) as a download, streamed page by page with
 * backpressure and stopped when the client goes away. Same key and tenancy as GraphQL.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../contracts/context.js';
import { can, tenantOf } from '../auth/principal.js';
import { badInput, isTesseraError, TesseraError } from '../errors.js';
import type { HistoryFilter } from '../db/request-query.js';
import { EXPORT_FORMATS, exportLines, type ExportFormat } from '../history/export-lines.js';

const STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

function dateParam(params: URLSearchParams, name: string): Date | null {
  const value = params.get(name);
  if (value === null) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(`${name} is not a date-time such as 2026-12-01T00:00:00Z.`, { argument: name });
  return date;
}

/** The query string as a filter, every value checked before the database is asked. */
export function parseExportQuery(params: URLSearchParams): { format: ExportFormat; filter: HistoryFilter } {
  const format = (params.get('format') ?? 'ndjson') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw badInput(`format must be one of ${EXPORT_FORMATS.join(', ')}.`, { argument: 'format' });
  const status = params.get('status');
  if (status !== null && !STATUSES.includes(status)) throw badInput(`status must be one of ${STATUSES.join(', ')}.`, { argument: 'status' });
  const task = params.get('task');
  if (task !== null && !/^[A-Z_]{1,64}$/.test(task)) throw badInput('task must be a Task enum value such as OCR.', { argument: 'task' });
  return {
    format,
    filter: { task, status, model: params.get('model'), text: params.get('text'), since: dateParam(params, 'since'), until: dateParam(params, 'until') },
  };
}

function sendError(res: ServerResponse, error: TesseraError): void {
  res.writeHead(error.httpStatus, {
    'content-type': 'application/json; charset=utf-8',
    ...(error.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' } : {}),
  });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] }));
}

export async function serveHistoryExport(services: Services, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  let request;
  try {
    const principal = await services.authenticator.authenticate(req.headers.authorization);
    if (!can(principal, 'read')) throw new TesseraError('FORBIDDEN', 'Exporting the history needs the read scope.');
    request = { tenant: tenantOf(principal), ...parseExportQuery(url.searchParams) };
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return sendError(res, error);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[request.format],
    'content-disposition': `attachment; filename="tessera-history-${stamp}.${request.format}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') return void res.end();
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  for await (const chunk of exportLines(services.requests.for(request.tenant), request.filter, request.format, gone.signal)) {
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    if (gone.signal.aborted) return;
  }
  res.end();
}
