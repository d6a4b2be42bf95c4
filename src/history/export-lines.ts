/**
 * The history as export lines, NDJSON or CSV: read in keyset pages newest first, so an
 * export of a million rows holds one page in memory, never the whole history. Rows only;
 * media stay behind their artifact URLs.
 */
import type { RequestRow, RequestStore } from '../db/request-store.js';
import type { HistoryFilter } from '../db/request-query.js';

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

export const EXPORT_PAGE = 500;

const COLUMNS = [
  'id',
  'task',
  'model',
  'status',
  'createdAt',
  'startedAt',
  'firstOutputAt',
  'finishedAt',
  'queueMs',
  'computeMs',
  'batchSize',
  'promptTokens',
  'completionTokens',
  'inputModalities',
  'inputText',
  'outputText',
  'errorCode',
  'errorMessage',
  'parameters',
  'ownerKeyId',
] as const satisfies readonly (keyof RequestRow)[];

type ExportRecord = Record<(typeof COLUMNS)[number], string | number | object | null>;

function recordOf(row: RequestRow): ExportRecord {
  const record = {} as ExportRecord;
  for (const column of COLUMNS) {
    const value = row[column];
    record[column] = value instanceof Date ? value.toISOString() : (value as ExportRecord[typeof column]);
  }
  return record;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: ExportRecord[keyof ExportRecord]): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: string[]) => `${fields.join(',')}\r\n`;

/** The filtered rows the store's tenant sees, as lines of the format, header first for CSV. */
export async function* exportLines(
  requests: RequestStore,
  filter: HistoryFilter,
  format: ExportFormat,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine([...COLUMNS]);
  let below: string | null = null;
  while (!signal?.aborted) {
    const ids = await requests.pageIds({ ...filter, parentId: null }, { below, size: EXPORT_PAGE });
    if (ids.length === 0) return;
    const lines = (await requests.rowsByIds(ids)).map((row) => {
      const record = recordOf(row);
      return format === 'ndjson' ? `${JSON.stringify(record)}\n` : csvLine(COLUMNS.map((c) => csvField(record[c])));
    });
    yield lines.join('');
    if (ids.length < EXPORT_PAGE) return;
    below = ids.at(-1)!;
  }
}
