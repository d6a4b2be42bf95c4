import { useEffect, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../api';
import { graphql } from '../gql';
import type { HistoryPageQuery, RequestFilter, RequestStatus, Task } from '../gql/graphql';
import { ErrorBox } from '../components/error-box';
import { StatusBadge } from '../components/status-badge';
import { Link, navigate, useLocation } from '../router';
import { dateTime, ms, shortId, taskName, truncate } from '../lib/format';

const HistoryPage_ = graphql(`
  query HistoryPage($first: Int, $after: String, $last: Int, $before: String, $filter: RequestFilter) {
    requests(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        node {
          id
          task
          model
          status
          createdAt
          inputText
          outputText
          inputModalities
          queueMs
          computeMs
          error {
            code
          }
        }
      }
    }
    models {
      name
    }
  }
`);

const PAGE = 20;

/** Rows per page: `?size=` in the address (1–100), 20 by default. */
function pageSize(query: URLSearchParams): number {
  const size = Number(query.get('size'));
  return Number.isInteger(size) && size >= 1 && size <= 100 ? size : PAGE;
}
const TASKS: Task[] = [
  'TEXT_GENERATION',
  'OCR',
  'VAD',
  'SPEECH_RECOGNITION',
  'ZERO_SHOT_IMAGE_CLASSIFICATION',
  'IMAGE_CLASSIFICATION',
  'IMAGE_CAPTIONING',
  'TEXT_EMBEDDING',
  'PIPELINE',
  'TENSOR',
];
const STATUSES: RequestStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const FILTER_KEYS = ['task', 'model', 'status', 'since', 'until', 'text'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** datetime-local values are local times without a zone; the server wants an instant. */
const instant = (local: string | null) => (local ? new Date(local).toISOString() : undefined);

function filterOf(query: URLSearchParams): RequestFilter {
  return {
    task: (query.get('task') as Task | null) ?? undefined,
    model: query.get('model') ?? undefined,
    status: (query.get('status') as RequestStatus | null) ?? undefined,
    since: instant(query.get('since')),
    until: instant(query.get('until')),
    text: query.get('text') ?? undefined,
  };
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
    setLoading(true);
    request(
      HistoryPage_,
      before ? { last: pageSize(query), before, filter: filterOf(query) } : { first: pageSize(query), after: after ?? undefined, filter: filterOf(query) },
      controller.signal,
    )
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
  const value = (name: FilterKey) => query.get(name) ?? '';

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
        <Choice label="Task" name="task" current={value('task')} options={TASKS} />
        <Choice
          label="Model"
          name="model"
          current={value('model')}
          options={[...new Set([...(data?.models.map((m) => m.name) ?? []), ...(value('model') ? [value('model')] : [])])]}
        />
        <Choice label="Status" name="status" current={value('status')} options={STATUSES} />
        <label class="field">
          <span>Since</span>
          <input type="datetime-local" name="since" defaultValue={value('since')} />
        </label>
        <label class="field">
          <span>Until</span>
          <input type="datetime-local" name="until" defaultValue={value('until')} />
        </label>
        <label class="field">
          <span>Text</span>
          <input type="search" name="text" defaultValue={value('text')} placeholder="in input or output" />
        </label>
        <div class="actions">
          <button type="submit">Filter</button>
          <button type="button" class="secondary" onClick={() => navigate('/history')}>
            Clear
          </button>
          <button type="button" class="secondary" onClick={() => setReload((n) => n + 1)}>
            Refresh
          </button>
        </div>
      </form>

      <ErrorBox error={error} />

      {connection && (
        <div class="panel">
          <p class="muted summary">
            {connection.totalCount} {connection.totalCount === 1 ? 'request' : 'requests'}
            {loading && ' · loading…'}
          </p>
          <div class="table-wrap">
            <table class="history">
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Task</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="hide-narrow">Model</th>
                  <th scope="col" class="hide-narrow">Input</th>
                  <th scope="col" class="hide-narrow">Output</th>
                  <th scope="col" class="num hide-narrow">Time</th>
                </tr>
              </thead>
              <tbody>
                {connection.edges.length === 0 && (
                  <tr>
                    <td colSpan={7} class="muted">
                      Nothing matches.
                    </td>
                  </tr>
                )}
                {connection.edges.map(({ node }) => (
                  <tr key={node.id} data-id={node.id} data-status={node.status} onClick={() => navigate(`/requests/${node.id}`)}>
                    <td>
                      <Link href={`/requests/${node.id}`} class="mono" title={node.id}>
                        {shortId(node.id)}
                      </Link>
                      <div class="muted small">{dateTime(node.createdAt)}</div>
                    </td>
                    <td>{taskName(node.task)}</td>
                    <td>
                      <StatusBadge status={node.status} />
                      {node.error && <div class="small error-text">{node.error.code}</div>}
                    </td>
                    <td class="hide-narrow">{node.model}</td>
                    <td class="hide-narrow">{truncate(node.inputText, 60) || <span class="muted">{node.inputModalities.join(', ').toLowerCase()}</span>}</td>
                    <td class="hide-narrow">{truncate(node.outputText, 60)}</td>
                    <td class="num hide-narrow">{ms((node.queueMs ?? 0) + (node.computeMs ?? 0))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
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

/** Uncontrolled, so a choice stays until the form is applied; the form is re-keyed per URL. */
function Choice({ label, name, current, options }: { label: string; name: FilterKey; current: string; options: readonly string[] }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select name={name}>
        <option value="" selected={current === ''}>
          any
        </option>
        {options.map((option) => (
          <option key={option} value={option} selected={current === option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}
