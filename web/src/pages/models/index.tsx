import { useEffect, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../../api';
import { ErrorBox } from '../../components/error-box';
import { LoadModel, ModelsPage_, UnloadModel } from './documents';
import { ModelCard, type Model } from './model-card';

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
        {models?.map((model) => (
          <ModelCard key={model.name} model={model} busy={busy[model.name] ?? false} error={errors[model.name]} onAct={(action) => act(model, action)} />
        ))}
      </ul>
    </section>
  );
}
