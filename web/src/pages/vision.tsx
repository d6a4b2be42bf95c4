import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError, request, subscribe } from '../api';
import { graphql } from '../gql';
import type { VisionModelsQuery } from '../gql/graphql';
import { DropZone } from '../components/drop-zone';
import { ErrorBox } from '../components/error-box';
import { ScoreBars } from '../components/score-bars';
import { StreamText, appendText, clearText } from '../components/stream-text';
import { storeArtifact, type StoredMedia } from '../lib/artifacts';
import { Link } from '../router';
import { bytes, ms, rate, shortId } from '../lib/format';

const VisionModels = graphql(`
  query VisionModels {
    zeroShot: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {
      name
      status
    }
    classifiers: models(task: IMAGE_CLASSIFICATION) {
      name
      status
    }
    captioners: models(task: IMAGE_CAPTIONING) {
      name
      status
    }
  }
`);

const ClassifyZeroShot = graphql(`
  mutation ClassifyZeroShot($input: ClassifyImageZeroShotInput!) {
    classifyImageZeroShot(input: $input) {
      model
      labels {
        label
        score
      }
      request {
        id
        computeMs
      }
    }
  }
`);

const Classify = graphql(`
  mutation ClassifyImage($input: ClassifyImageInput!) {
    classifyImage(input: $input) {
      model
      labels {
        label
        score
      }
      request {
        id
        computeMs
      }
    }
  }
`);

const CaptionStream = graphql(`
  subscription CaptionStream($input: CaptionImageInput!) {
    captionImage(input: $input) {
      __typename
      ... on GenerationStarted {
        requestId
        model
      }
      ... on GenerationToken {
        text
      }
      ... on GenerationCompleted {
        requestId
        finishReason
        usage {
          completionTokens
        }
        timings {
          timeToFirstTokenMs
          tokensPerSecond
        }
        error {
          code
          message
        }
      }
    }
  }
`);

interface Scores {
  kind: 'zero-shot' | 'classifier';
  model: string;
  labels: readonly { label: string; score: number }[];
  requestId: string;
  computeMs: number | null | undefined;
}

interface Caption {
  phase: 'streaming' | 'done' | 'failed';
  requestId?: string;
  tokens: number;
  finishReason?: string;
  firstTokenMs?: number | null;
  tokensPerSecond?: number | null;
}

type Models = VisionModelsQuery;

/** "red, green ,, blue" → ["red", "green", "blue"]. */
export const splitLabels = (text: string) =>
  text
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');

export function VisionPage() {
  const [models, setModels] = useState<Models | null>(null);
  const [picked, setPicked] = useState<{ file: File; preview: string } | null>(null);
  const [stored, setStored] = useState<StoredMedia | null>(null);
  const [labels, setLabels] = useState('red circle, blue square, green triangle, yellow star');
  const [template, setTemplate] = useState('');
  const [busy, setBusy] = useState(false);
  const [scores, setScores] = useState<Scores | null>(null);
  const [caption, setCaption] = useState<Caption | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const captionText = useRef<HTMLPreElement>(null);
  const stopCaption = useRef<(() => void) | null>(null);

  useEffect(() => {
    request(VisionModels).then(setModels, (failure) => setError(asApiError(failure)));
    return () => stopCaption.current?.();
  }, []);
  useEffect(() => () => void (picked && URL.revokeObjectURL(picked.preview)), [picked]);

  /** The image is stored once; every run names it by id (the caption stream needs that anyway). */
  async function ensureStored(): Promise<StoredMedia | null> {
    if (stored) return stored;
    if (!picked) return null;
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
      const image = { artifactId: media.id };
      if (kind === 'zero-shot') {
        const { classifyImageZeroShot: result } = await request(ClassifyZeroShot, {
          input: { image, labels: splitLabels(labels), hypothesisTemplate: template.trim() || undefined },
        });
        setScores({ kind, model: result.model, labels: result.labels, requestId: result.request.id, computeMs: result.request.computeMs });
      } else {
        const { classifyImage: result } = await request(Classify, { input: { image, topK: 10 } });
        setScores({ kind, model: result.model, labels: result.labels, requestId: result.request.id, computeMs: result.request.computeMs });
      }
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  }

  async function describe() {
    stopCaption.current?.();
    clearText(captionText.current);
    setError(null);
    let media: StoredMedia | null;
    try {
      media = await ensureStored();
    } catch (failure) {
      setError(asApiError(failure));
      return;
    }
    if (!media) return;
    const state: Caption = { phase: 'streaming', tokens: 0 };
    setCaption({ ...state });
    stopCaption.current = subscribe(CaptionStream, { input: { image: { artifactId: media.id } } }, {
      next({ captionImage: event }) {
        if (event.__typename === 'GenerationStarted') state.requestId = event.requestId;
        else if (event.__typename === 'GenerationToken') {
          state.tokens++;
          appendText(captionText.current, event.text);
        } else if (event.__typename === 'GenerationCompleted') {
          Object.assign(state, {
            phase: event.error ? 'failed' : 'done',
            requestId: event.requestId,
            finishReason: event.finishReason,
            tokens: event.usage.completionTokens,
            firstTokenMs: event.timings.timeToFirstTokenMs,
            tokensPerSecond: event.timings.tokensPerSecond,
          });
          if (event.error) setError(new ApiError(event.error.code, event.error.message));
        }
        setCaption({ ...state });
      },
      error(failure) {
        state.phase = 'failed';
        setCaption({ ...state });
        setError(failure);
      },
      complete() {
        stopCaption.current = null;
      },
    });
  }

  function choose(file: File) {
    stopCaption.current?.();
    setPicked({ file, preview: URL.createObjectURL(file) });
    setStored(null);
    setScores(null);
    setCaption(null);
    setError(null);
    clearText(captionText.current);
  }

  const zeroShot = (models?.zeroShot.length ?? 0) > 0;
  const classifier = (models?.classifiers.length ?? 0) > 0;
  const captioner = (models?.captioners.length ?? 0) > 0;
  const captioning = caption?.phase === 'streaming';

  return (
    <section class="page" aria-labelledby="vision-title">
      <h1 id="vision-title">Look at an image</h1>
      <div class="panel image-pick">
        <DropZone accept="image/*" label="Choose an image" disabled={busy} onFile={choose} />
        {picked && (
          <figure class="artifact">
            <img class="thumb" src={picked.preview} alt="The chosen image" />
            <figcaption class="muted small">
              {picked.file.name} · {bytes(picked.file.size)}
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
          <button type="submit" disabled={!picked || busy || !zeroShot}>
            Classify zero-shot
          </button>
          {classifier && (
            <button type="button" class="secondary" disabled={!picked || busy} onClick={() => run('classifier')}>
              Classify
            </button>
          )}
          {captioner && (
            <button type="button" class="secondary" disabled={!picked || busy || captioning} onClick={describe}>
              Caption
            </button>
          )}
          {busy && <span class="spinner" role="status">Looking…</span>}
          {models && !zeroShot && <span class="muted small">No zero-shot model is installed.</span>}
        </div>
      </form>

      <ErrorBox error={error} />

      {scores && (
        <div class="panel">
          <p class="muted summary" data-testid="vision-summary">
            {scores.kind === 'zero-shot' ? 'Zero-shot' : 'Classifier'} · {scores.model} · {ms(scores.computeMs)} ·{' '}
            <Link href={`/requests/${scores.requestId}`}>request {shortId(scores.requestId)}</Link>
          </p>
          <ScoreBars labels={scores.labels} caption="Label scores" />
        </div>
      )}

      <div class="panel" hidden={!caption}>
        <h2>Caption</h2>
        <div class={`stream${captioning ? ' streaming' : ''}`} aria-busy={captioning}>
          <StreamText target={captionText} label="Caption" />
        </div>
        {caption && (
          <p class="muted summary" data-testid="caption-summary">
            {caption.phase === 'streaming' ? 'streaming' : (caption.finishReason ?? caption.phase)} · {caption.tokens} tokens · first token {ms(caption.firstTokenMs)} ·{' '}
            {rate(caption.tokensPerSecond)}
            {caption.requestId && (
              <>
                {' '}
                · <Link href={`/requests/${caption.requestId}`}>request {shortId(caption.requestId)}</Link>
              </>
            )}
          </p>
        )}
      </div>
    </section>
  );
}
