import { asApiError, fetchWithKey, type ApiError } from '../../api';
import type { RequestFilter } from '../../gql/graphql';
import { apiKey } from '../../lib/api-key';

/** GET /history/export with the page's filters, one JSON object a line. */
export function exportHref(filter: RequestFilter): string {
  const params = new URLSearchParams({ format: 'ndjson' });
  for (const [name, value] of Object.entries(filter)) if (value != null && value !== '') params.set(name, String(value));
  return `/history/export?${params}`;
}

/**
 * A plain download link; with an API key set, the file is fetched with the key (a link
 * cannot carry a header) and handed to the browser as the same download.
 */
export function ExportLink({ filter, onError }: { filter: RequestFilter; onError(error: ApiError): void }) {
  const href = exportHref(filter);
  return (
    <a
      class="button secondary"
      href={href}
      download="tessera-history.ndjson"
      onClick={(event) => {
        if (!apiKey()) return;
        event.preventDefault();
        fetchWithKey(href)
          .then(async (response) => {
            if (!response.ok) throw new Error(`The export answered ${response.status} ${response.statusText}.`);
            const url = URL.createObjectURL(await response.blob());
            const link = Object.assign(document.createElement('a'), { href: url, download: 'tessera-history.ndjson' });
            link.click();
            setTimeout(() => URL.revokeObjectURL(url), 1000);
          })
          .catch((failure) => onError(asApiError(failure)));
      }}
    >
      Export
    </a>
  );
}
