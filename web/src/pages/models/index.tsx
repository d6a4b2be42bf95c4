import { useEffect, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../api';
import { graphql } from '../gql';
import type { ModelsPageQuery } from '../gql/graphql';
import { ErrorBox } from '../components/error-box';
import { StatusBadge } from '../components/status-badge';

const ModelsPage_ = graphql(`
  query ModelsPage {
    models {
      name
      task
      status
      executionProvider
      source
      license
      description
      loadError
      preload
      inputModalities
      outputModalities
    }
  }
`);

const LoadModel = graphql(`
  mutation LoadModelNow($name: String!) {
    loadModel(name: $name) {
      name
      status
      executionProvider
      loadError
    }
  }
`);

const UnloadModel = graphql(`
  mutation UnloadModelNow($name: String!) {
    unloadModel(name: $name) {
      name
      status
      executionProvider
      loadError
    }
  }
`);

type Model = ModelsPageQuery['models'][number];

export function ModelsPage() {
  const [models, setModels] = useState<Model[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [errors, setErrors] = useState<Record<string, ApiError | undefined>>({});

  const refresh = () =>
    request(ModelsPage_)
      .then((data) => {
        setModels(data.models);
        setError(null);
      })
      .catch((failure) => setError(asApiError(failure)));

  useEffect(() => {
    void refresh();
  }, []);

  // A model loading in the background (preload, or another client) settles by itself.
  const loading = models?.some((m) => m.status === 'LOADING') ?? false;
  useEffect(() => {
    if (!loading) return;
    const timer = setInterval(refresh, 1000);
    return () => clearInterval(timer);
  }, [loading]);

  async function act(model: Model, action: 'load' | 'unload') {
    setBusy((b) => ({ ...b, [model.name]: true }));
    setErrors((e) => ({ ...e, [model.name]: undefined }));
    try {
      const data = action === 'load' ? (await request(LoadModel, { name: model.name })).loadModel : (await request(UnloadModel, { name: model.name })).unloadModel;
      setModels((list) => list?.map((m) => (m.name === data.name ? { ...m, ...data } : m)) ?? list);
    } catch (failure) {
      setErrors((e) => ({ ...e, [model.name]: asApiError(failure) }));
    } finally {
      setBusy((b) => ({ ...b, [model.name]: false }));
    }
  }

  return (
    <section class="page" aria-labelledby="models-title">
      <div class="title-row">
        <h1 id="models-title">Models</h1>
        <button type="button" class="secondary" onClick={refresh}>
          Refresh
        </button>
      </div>
      <ErrorBox error={error} />
      {models && models.length === 0 && <p class="muted">The model repository is empty.</p>}
      <ul class="cards">
        {models?.map((model) => {
          const loaded = model.status === 'READY' || model.status === 'LOADING';
          return (
            <li class="card" key={model.name} data-model={model.name}>
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
              <ErrorBox error={errors[model.name]} />
              <div class="actions">
                <button type="button" disabled={busy[model.name] || loaded} onClick={() => act(model, 'load')}>
                  Load
                </button>
                <button type="button" class="secondary" disabled={busy[model.name] || !loaded} onClick={() => act(model, 'unload')}>
                  Unload
                </button>
                {busy[model.name] && <span class="spinner" role="status">Working…</span>}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
