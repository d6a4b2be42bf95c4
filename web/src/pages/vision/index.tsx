import { useEffect, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../../api';
import type { VisionModelsQuery } from '../../gql/graphql';
import { DropZone } from '../../components/drop-zone';
import { ErrorBox } from '../../components/error-box';
import { FileFacts } from '../../components/file-facts';
import { storeArtifact, type StoredMedia } from '../../lib/artifacts';
import { usePreview } from '../../lib/use-preview';
import { CaptionPanel, useCaption } from './caption';
import { classify } from './classify';
import { VisionModels } from './documents';
import { ScoresPanel, type Scores } from './scores-panel';

export function VisionPage() {
  const [models, setModels] = useState<VisionModelsQuery | null>(null);
  const picked = usePreview();
  const [stored, setStored] = useState<StoredMedia | null>(null);
  const [labels, setLabels] = useState('red circle, blue square, green triangle, yellow star');
  const [template, setTemplate] = useState('');
  const [busy, setBusy] = useState(false);
  const [scores, setScores] = useState<Scores | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const caption = useCaption();

  useEffect(() => {
    request(VisionModels).then(setModels, (failure) => setError(asApiError(failure)));
  }, []);

  /** The image is stored once; every run names it by id (the caption stream needs that anyway). */
  async function ensureStored(): Promise<StoredMedia | null> {
    if (stored) return stored;
    if (!picked.file) return null;
    const media = await storeArtifact(picked.file, picked.file.name);
    setStored(media);
    return media;
  }

  async function run(kind: Scores['kind']) {
    setBusy(true);
    setError(null);
    setScores(null);
    try {
      const media = await ensureStored();
      if (!media) return;
      setScores(await classify(kind, media.id, labels, template));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  }

  function choose(file: File) {
    picked.pick(file);
    setStored(null);
    setScores(null);
    setError(null);
    caption.clear();
  }

  const has = (list: readonly unknown[] | undefined) => (list?.length ?? 0) > 0;
  const [zeroShot, classifier, captioner] = [has(models?.zeroShot), has(models?.classifiers), has(models?.captioners)];

  return (
    <section class="page" aria-labelledby="vision-title">
      <h1 id="vision-title">Look at an image</h1>
      <div class="panel image-pick">
        <DropZone accept="image/*" label="Choose an image" disabled={busy} onFile={choose} />
        {picked.file && (
          <figure class="artifact">
            <img class="thumb" src={picked.url!} alt="The chosen image" />
            <figcaption>
              <FileFacts name={picked.file.name} size={picked.file.size} class="muted small" />
            </figcaption>
          </figure>
        )}
      </div>

      <form
        class="panel"
        onSubmit={(event) => {
          event.preventDefault();
          void run('zero-shot');
        }}
      >
        <h2>Zero-shot labels</h2>
        <label class="field">
          <span>Labels, comma separated</span>
          <input type="text" name="labels" value={labels} onInput={(e) => setLabels(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Hypothesis template ({'{}'} is the label)</span>
          <input type="text" name="template" value={template} placeholder="the model's own prompts" onInput={(e) => setTemplate(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" disabled={!picked.file || busy || !zeroShot}>
            Classify zero-shot
          </button>
          {classifier && (
            <button type="button" class="secondary" disabled={!picked.file || busy} onClick={() => run('classifier')}>
              Classify
            </button>
          )}
          {captioner && (
            <button type="button" class="secondary" disabled={!picked.file || busy || caption.streaming} onClick={() => {
                setError(null);
                caption.describe(ensureStored);
              }}>
              Caption
            </button>
          )}
          {busy && <span class="spinner" role="status">Looking…</span>}
          {models && !zeroShot && <span class="muted small">No zero-shot model is installed.</span>}
        </div>
      </form>

      <ErrorBox error={caption.run.error ?? error} />
      {scores && <ScoresPanel scores={scores} />}
      <CaptionPanel caption={caption} />
    </section>
  );
}
