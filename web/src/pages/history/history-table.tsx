import type { HistoryPageQuery } from '../../gql/graphql';
import { StatusBadge } from '../../components/status-badge';
import { Link, navigate } from '../../router';
import { dateTime, ms, shortId, taskName, truncate } from '../../lib/format';

type Row = HistoryPageQuery['requests']['edges'][number]['node'];

/** One row per request; a click anywhere on it opens the request. */
export function HistoryTable({ rows }: { rows: readonly Row[] }) {
  return (
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
          {rows.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                Nothing matches.
              </td>
            </tr>
          )}
          {rows.map((node) => (
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
  );
}
