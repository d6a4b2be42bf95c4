import { useEffect, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../../api';
import type { HistoryPageQuery } from '../../gql/graphql';
import { ErrorBox } from '../../components/error-box';
import { navigate, useLocation } from '../../router';
import { HistoryPage_ } from './documents';
import { ExportLink } from './export-link';
import { FILTER_KEYS, FilterFields, filterOf } from './filters';
import { HistoryTable } from './history-table';

const PAGE = 20;

/** Rows per page: `?size=` in the address (1–100), 20 by default. */
function pageSize(query: URLSearchParams): number {
  const size = Number(query.get('size'));
  return Number.isInteger(size) && size >= 1 && size <= 100 ? size : PAGE;
}

export function HistoryPage() {
  const { query } = useLocation();
  const key = query.toString();
  const [data, setData] = useState<HistoryPageQuery | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const before = query.get('before');
    const after = query.get('after');
    const filter = filterOf(query);
    setLoading(true);
    request(HistoryPage_, before ? { last: pageSize(query), before, filter } : { first: pageSize(query), after: after ?? undefined, filter }, controller.signal)
      .then((result) => {
        setData(result);
        setError(null);
      })
      .catch((failure) => {
        if (!controller.signal.aborted) setError(asApiError(failure));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [key, reload]);

  function apply(form: HTMLFormElement) {
    const next = new URLSearchParams();
    if (query.has('size')) next.set('size', query.get('size')!);
    for (const name of FILTER_KEYS) {
      const value = (form.elements.namedItem(name) as HTMLInputElement | null)?.value;
      if (value) next.set(name, value);
    }
    const search = next.toString();
    navigate(`/history${search ? `?${search}` : ''}`);
  }

  function page(cursor: 'after' | 'before', value: string) {
    const next = new URLSearchParams(query);
    next.delete('after');
    next.delete('before');
    next.set(cursor, value);
    navigate(`/history?${next}`);
  }

  const connection = data?.requests;

  return (
    <section class="page" aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      <form
        class="panel filters"
        key={key}
        onSubmit={(event) => {
          event.preventDefault();
          apply(event.currentTarget);
        }}
      >
        <FilterFields query={query} models={data?.models.map((m) => m.name) ?? []} />
        <div class="actions">
          <button type="submit">Filter</button>
          <button type="button" class="secondary" onClick={() => navigate('/history')}>
            Clear
          </button>
          <button type="button" class="secondary" onClick={() => setReload((n) => n + 1)}>
            Refresh
          </button>
          <ExportLink filter={filterOf(query)} onError={setError} />
          <ExportLink filter={filterOf(query)} format="csv" onError={setError} />
        </div>
      </form>

      <ErrorBox error={error} />

      {connection && (
        <div class="panel">
          <p class="muted summary">
            {connection.totalCountIsEstimate && 'about '}
            {connection.totalCount.toLocaleString('en')} {connection.totalCount === 1 ? 'request' : 'requests'}
            {loading && ' · loading…'}
          </p>
          <HistoryTable rows={connection.edges.map((edge) => edge.node)} />
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              class="secondary"
              disabled={!connection.pageInfo.hasPreviousPage || !connection.pageInfo.startCursor}
              onClick={() => page('before', connection.pageInfo.startCursor!)}
            >
              Previous
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor}
              onClick={() => page('after', connection.pageInfo.endCursor!)}
            >
              Next
            </button>
          </nav>
        </div>
      )}
    </section>
  );
}
