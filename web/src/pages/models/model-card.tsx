import type { ApiError } from '../../api';
import type { ModelsPageQuery } from '../../gql/graphql';
import { ErrorBox } from '../../components/error-box';
import { StatusBadge } from '../../components/status-badge';

export type Model = ModelsPageQuery['models'][number];

interface Props {
  model: Model;
  busy: boolean;
  error?: ApiError;
  onAct(action: 'load' | 'unload'): void;
}

/** One model: what it does, where it runs, where it came from, and Load / Unload. */
export function ModelCard({ model, busy, error, onAct }: Props) {
  const loaded = model.status === 'READY' || model.status === 'LOADING';
  return (
    <li class="card" data-model={model.name}>
      <div class="card-head">
        <h2>{model.name}</h2>
        <StatusBadge status={model.status} />
      </div>
      {model.description && <p class="muted">{model.description}</p>}
      <dl class="facts">
        <div>
          <dt>Task</dt>
          <dd>{model.task}</dd>
        </div>
        <div>
          <dt>Runs on</dt>
          <dd>{model.executionProvider ?? '—'}</dd>
        </div>
        <div>
          <dt>In → out</dt>
          <dd>
            {model.inputModalities.join(', ')} → {model.outputModalities.join(', ')}
          </dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd>{model.source}</dd>
        </div>
        <div>
          <dt>License</dt>
          <dd>{model.license}</dd>
        </div>
      </dl>
      {model.loadError && <ErrorBox error={{ code: 'LOAD_FAILED', message: model.loadError }} />}
      <ErrorBox error={error} />
      <div class="actions">
        <button type="button" disabled={busy || loaded} onClick={() => onAct('load')}>
          Load
        </button>
        <button type="button" class="secondary" disabled={busy || !loaded} onClick={() => onAct('unload')}>
          Unload
        </button>
        {busy && <span class="spinner" role="status">Working…</span>}
      </div>
    </li>
  );
}
