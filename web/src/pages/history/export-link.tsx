import { asApiError, fetchWithKey, type ApiError } from '../../api';
import type { RequestFilter } from '../../gql/graphql';
import { apiKey } from '../../lib/api-key';

export type ExportFormat = 'ndjson' | 'csv';

/** GET /history/export with the page's filters: NDJSON (one JSON object a line) or CSV. */
export function exportHref(filter: RequestFilter, format: ExportFormat = 'ndjson'): string {
  const params = new URLSearchParams({ format });
  for (const [name, value] of Object.entries(filter)) if (value != null && value !== '') params.set(name, String(value));
  return `/history/export?${params}`;
}

/**
 * A plain download link; with an API key set, the file is fetched with the key (a link
 * cannot carry a header) and handed to the browser as the same download.
 */
export function ExportLink({ filter, format = 'ndjson', onError }: { filter: RequestFilter; format?: ExportFormat; onError(error: ApiError): void }) {
  const href = exportHref(filter, format);
  const file = `tessera-history.${format}`;
  return (
    <a
      class="button secondary"
      href={href}
      download={file}
      title={format === 'csv' ? 'Export as CSV' : 'Export as NDJSON'}
      onClick={(event) => {
        if (!apiKey()) return;
        event.preventDefault();
        fetchWithKey(href)
          .then(async (response) => {
            if (!response.ok) throw new Error(`The export answered ${response.status} ${response.statusText}.`);
            const url = URL.createObjectURL(await response.blob());
            const link = Object.assign(document.createElement('a'), { href: url, download: file });
            link.click();
            setTimeout(() => URL.revokeObjectURL(url), 1000);
          })
          .catch((failure) => onError(asApiError(failure)));
      }}
    >
      {format === 'csv' ? 'CSV' : 'Export'}
    </a>
  );
}
