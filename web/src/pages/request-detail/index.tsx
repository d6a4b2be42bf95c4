import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError, request, subscribe } from '../api';
import { graphql } from '../gql';
import type { RequestDetailQuery } from '../gql/graphql';
import { ErrorBox } from '../components/error-box';
import { OcrView } from '../components/ocr-view';
import { StatusBadge } from '../components/status-badge';
import { StreamText, appendText, clearText } from '../components/stream-text';
import { TimingBar } from '../components/timing-bar';
import { ScoreBars } from '../components/score-bars';
import { TimedSegments } from '../components/timed-segments';
import { Waveform } from '../components/waveform';
import { decodeAudio, type DecodedAudio } from '../lib/audio';
import { between, bytes, dateTime, ms, shortId, taskName } from '../lib/format';
import { Segments } from './speech';
import { Link } from '../router';
import type { ComponentChildren } from 'preact';

const RequestDetail = graphql(`
  query RequestDetail($id: ID!) {
    request(id: $id) {
      id
      task
      model
      status
      createdAt
      startedAt
      firstOutputAt
      finishedAt
      queueMs
      computeMs
      batchSize
      promptTokens
      completionTokens
      inputModalities
      inputText
      outputText
      parameters
      error {
        code
        message
      }
      parent {
        id
      }
      steps {
        id
        task
        model
        status
        outputText
      }
      artifacts {
        role
        artifact {
          id
          url
          contentType
          byteSize
        }
      }
      result {
        __typename
        ... on GenerationResult {
          finishReason
          timings {
            queueMs
            timeToFirstTokenMs
            tokensPerSecond
          }
        }
        ... on OcrResult {
          width
          height
          lines {
            text
            confidence
            box {
              x
              y
            }
          }
        }
        ... on SpeechDetectionResult {
          durationSeconds
          sampleRate
          segments {
            start
            end
          }
        }
        ... on CaptionResult {
          captionFinish: finishReason
          captionTimings: timings {
            queueMs
            timeToFirstTokenMs
            tokensPerSecond
          }
        }
        ... on ClassificationResult {
          labels {
            label
            score
          }
        }
        ... on EmbeddingResult {
          dimension
          modality
          vector
        }
        ... on CollectionResult {
          operation
          collection
          itemIds
          scores
        }
        ... on TranscriptionResult {
          transcript: text
          durationSeconds
          segments {
            start
            end
            text
          }
          transcriptionTimings: timings {
            realTimeFactor
            timeToFirstSegmentMs
          }
        }
        ... on PipelineResult {
          steps {
            index
            task
            model
            requestId
            status
            output {
              kind
              text
              segments {
                start
                end
                text
              }
            }
          }
        }
      }
    }
  }
`);

const FollowRequest = graphql(`
  subscription FollowRequest($id: ID!) {
    requestEvents(id: $id) {
      __typename
      ... on GenerationToken {
        text
      }
      ... on GenerationCompleted {
        finishReason
      }
    }
  }
`);

const FollowPipeline = graphql(`
  subscription FollowPipeline($id: ID!) {
    pipelineEvents(id: $id) {
      __typename
    }
  }
`);

const CancelRequest = graphql(`
  mutation CancelRequest($id: ID!) {
    cancelRequest(id: $id) {
      id
      status
    }
  }
`);

type Detail = NonNullable<RequestDetailQuery['request']>;

const active = (status: string) => status === 'QUEUED' || status === 'RUNNING';
/** Tasks whose output streams token by token and replays through requestEvents. */
const streamsTokens = (task: string) => task === 'TEXT_GENERATION' || task === 'IMAGE_CAPTIONING';

export function RequestDetailPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [version, setVersion] = useState(0);
  const [streaming, setStreaming] = useState(false);
  const output = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    request(RequestDetail, { id }, controller.signal)
      .then((data) => {
        if (!data.request) throw new ApiError('NOT_FOUND', `No request with id "${id}".`);
        setDetail(data.request);
        setError(null);
      })
      .catch((failure) => {
        if (!controller.signal.aborted) setError(asApiError(failure));
      });
    return () => controller.abort();
  }, [id, version]);

  const follow = detail != null && streamsTokens(detail.task) && active(detail.status);
  useEffect(() => {
    if (!follow) return;
    clearText(output.current);
    setStreaming(true);
    // The run's log replays what was generated so far, then streams the rest.
    const stop = subscribe(FollowRequest, { id }, {
      next({ requestEvents: event }) {
        if (event.__typename === 'GenerationToken') appendText(output.current, event.text);
      },
      error(failure) {
        setStreaming(false);
        setError(failure);
        setVersion((n) => n + 1);
      },
      complete() {
        setStreaming(false);
        setVersion((n) => n + 1);
      },
    });
    return () => {
      stop();
      setStreaming(false);
    };
  }, [follow, id]);

  // A running pipeline's steps are re-read as each one starts or ends; tokens need no reload.
  const followSteps = detail?.task === 'PIPELINE' && active(detail.status);
  useEffect(() => {
    if (!followSteps) return;
    return subscribe(FollowPipeline, { id }, {
      next({ pipelineEvents: event }) {
        if (event.__typename !== 'PipelineToken' && event.__typename !== 'PipelineStepSegment') setVersion((n) => n + 1);
      },
      error(failure) {
        setError(failure);
        setVersion((n) => n + 1);
      },
      complete() {
        setVersion((n) => n + 1);
      },
    });
  }, [followSteps, id]);

  // When the request is done, its stored output replaces the streamed one.
  useEffect(() => {
    if (!detail || follow || !output.current) return;
    clearText(output.current);
    appendText(output.current, detail.outputText ?? '');
  }, [detail, follow]);

  async function cancel() {
    try {
      await request(CancelRequest, { id });
      setVersion((n) => n + 1);
    } catch (failure) {
      setError(asApiError(failure));
    }
  }

  if (!detail) {
    return (
      <section class="page">
        <h1>Request</h1>
        <ErrorBox error={error} />
        {!error && <p class="muted">Loading…</p>}
      </section>
    );
  }

  const inputs = detail.artifacts.filter((a) => a.role === 'input');
  const outputs = detail.artifacts.filter((a) => a.role !== 'input');
  const result = detail.result;
  const generation =
    result?.__typename === 'GenerationResult'
      ? result
      : result?.__typename === 'CaptionResult'
        ? { finishReason: result.captionFinish, timings: result.captionTimings }
        : null;
  const firstOutputMs = between(detail.startedAt, detail.firstOutputAt);
  const streamedMs = between(detail.firstOutputAt, detail.finishedAt);
  const tokensPerSecond =
    generation?.timings.tokensPerSecond ??
    (detail.completionTokens && streamedMs ? (detail.completionTokens - 1) / (streamedMs / 1000) : streamsTokens(detail.task) ? null : undefined);
  const image = inputs.find((a) => a.artifact.contentType.startsWith('image/'));
  const sound = inputs.find((a) => a.artifact.contentType.startsWith('audio/') || a.artifact.contentType === 'video/webm');

  return (
    <section class="page detail" aria-labelledby="detail-title">
      <h1 id="detail-title">
        Request <span class="mono">{shortId(detail.id)}</span> <StatusBadge status={detail.status} />
      </h1>
      <div class="panel">
        <dl class="facts">
          <Fact term="Id" value={<span class="mono">{detail.id}</span>} />
          <Fact term="Task" value={detail.task} />
          <Fact term="Model" value={detail.model} />
          <Fact term="Created" value={dateTime(detail.createdAt)} />
          <Fact term="Finished" value={dateTime(detail.finishedAt)} />
          {detail.batchSize != null && <Fact term="Batch size" value={String(detail.batchSize)} />}
          {detail.promptTokens != null && <Fact term="Prompt tokens" value={String(detail.promptTokens)} />}
          {detail.completionTokens != null && <Fact term="Completion tokens" value={String(detail.completionTokens)} />}
          {generation && <Fact term="Finish reason" value={generation.finishReason} />}
          {detail.parent && <Fact term="Parent" value={<Link href={`/requests/${detail.parent.id}`}>{shortId(detail.parent.id)}</Link>} />}
        </dl>
        <TimingBar queueMs={detail.queueMs} firstOutputMs={firstOutputMs} computeMs={detail.computeMs} tokensPerSecond={tokensPerSecond} />
        {active(detail.status) && (
          <div class="actions">
            <button type="button" class="danger" onClick={cancel}>
              Cancel request
            </button>
          </div>
        )}
      </div>

      {detail.error && <ErrorBox error={detail.error} />}
      <ErrorBox error={error} />

      <div class={detail.task === 'TEXT_GENERATION' ? 'columns' : 'stack'}>
        <div class="panel">
          <h2>Input</h2>
          {detail.inputText != null && <pre class="text-block">{detail.inputText}</pre>}
          {inputs.map((a) => (
            <ArtifactPreview key={a.artifact.id} artifact={a.artifact} captionOnly={result?.__typename === 'OcrResult' && a === image} />
          ))}
          <details>
            <summary>Parameters</summary>
            <pre class="text-block">{JSON.stringify(detail.parameters, null, 2)}</pre>
          </details>
        </div>
        <div class="panel">
          <h2>Output</h2>
          {(streamsTokens(detail.task) || detail.outputText != null) && (
            <div class={`stream${streaming ? ' streaming' : ''}`} aria-busy={streaming}>
              <StreamText target={output} label="Output text" />
            </div>
          )}
          {result?.__typename === 'OcrResult' &&
            (image ? (
              <OcrView src={image.artifact.url} width={result.width} height={result.height} lines={result.lines} />
            ) : (
              <p class="muted">{result.lines.length} lines</p>
            ))}
          {result?.__typename === 'SpeechDetectionResult' && (
            <>
              <ArtifactWaveform url={sound?.artifact.url} duration={result.durationSeconds} segments={result.segments} />
              <Segments segments={result.segments} />
            </>
          )}
          {result?.__typename === 'TranscriptionResult' && (
            <>
              <ArtifactWaveform url={sound?.artifact.url} duration={result.durationSeconds} segments={result.segments} />
              <p class="muted summary">
                RTF {result.transcriptionTimings.realTimeFactor.toFixed(3)} · first segment {ms(result.transcriptionTimings.timeToFirstSegmentMs)}
              </p>
              <TimedSegments segments={result.segments} />
            </>
          )}
          {result?.__typename === 'ClassificationResult' && <ScoreBars labels={result.labels} caption="Label scores" />}
          {result?.__typename === 'EmbeddingResult' && <EmbeddingView {...result} />}
          {result?.__typename === 'CollectionResult' && <CollectionView {...result} />}
          {result?.__typename === 'PipelineResult' ? (
            <PipelineSteps steps={result.steps} />
          ) : (
            detail.steps.length > 0 && (
              <PipelineSteps
                steps={detail.steps.map((step, index) => ({ index, task: step.task, model: step.model, requestId: step.id, status: step.status, output: step.outputText == null ? null : { text: step.outputText } }))}
              />
            )
          )}
          {outputs.map((a) => (
            <ArtifactPreview key={a.artifact.id} artifact={a.artifact} />
          ))}
        </div>
      </div>
    </section>
  );
}

function Fact({ term, value }: { term: string; value: ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** `captionOnly` when the media is already shown with the output drawn over it. */
function ArtifactPreview({ artifact, captionOnly }: { artifact: Detail['artifacts'][number]['artifact']; captionOnly?: boolean }) {
  const { contentType, url } = artifact;
  const caption = (
    <figcaption class="muted small">
      <a href={url} target="_blank" rel="noreferrer">
        {contentType}
      </a>{' '}
      · {bytes(artifact.byteSize)}
    </figcaption>
  );
  if (captionOnly) return <figure class="artifact">{caption}</figure>;
  if (contentType.startsWith('image/')) {
    return (
      <figure class="artifact">
        <img class="preview" src={url} alt="Input image" loading="lazy" />
        {caption}
      </figure>
    );
  }
  if (contentType.startsWith('audio/') || contentType.startsWith('video/')) {
    return (
      <figure class="artifact">
        <audio controls preload="none" src={url} class="player" />
        {caption}
      </figure>
    );
  }
  return <figure class="artifact">{caption}</figure>;
}

function ArtifactWaveform({ url, duration, segments }: { url?: string; duration: number; segments: readonly { start: number; end: number }[] }) {
  const [audio, setAudio] = useState<DecodedAudio | null>(null);
  useEffect(() => {
    if (!url) return;
    const controller = new AbortController();
    fetch(url, { signal: controller.signal })
      .then((response) => response.arrayBuffer())
      .then((data) => decodeAudio(data, 8000))
      .then(setAudio, () => setAudio(null));
    return () => controller.abort();
  }, [url]);
  return <Waveform audio={audio} duration={duration} segments={segments} />;
}

type ResultOf<T extends NonNullable<Detail['result']>['__typename']> = Extract<NonNullable<Detail['result']>, { __typename: T }>;

function EmbeddingView({ dimension, modality, vector }: ResultOf<'EmbeddingResult'>) {
  const norm = Math.hypot(...vector);
  return (
    <>
      <p class="muted summary" data-testid="embedding-summary">
        {modality.toLowerCase()} embedding · {dimension} dimensions · norm {norm.toFixed(4)}
      </p>
      <pre class="text-block">{`[${vector
        .slice(0, 16)
        .map((v) => v.toFixed(4))
        .join(', ')}${vector.length > 16 ? ', …' : ''}]`}</pre>
    </>
  );
}

function CollectionView({ operation, collection, itemIds, scores }: ResultOf<'CollectionResult'>) {
  const searched = operation === 'SEARCH';
  return (
    <>
      <p class="muted summary" data-testid="collection-summary">
        {searched ? 'Searched' : 'Added to'} <strong>{collection}</strong>: {itemIds.length} {itemIds.length === 1 ? 'item' : 'items'}
      </p>
      {searched && (
        <ol class="timed" aria-label="Hits">
          {itemIds.map((id, i) => (
            <li key={id}>
              <time>{scores?.[i] != null ? scores[i].toFixed(3) : '—'}</time>
              <span class="mono small">{id}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

interface StepSummary {
  index: number;
  /** The pipeline step's task, or the child request's own task while the pipeline runs. */
  task: string;
  model: string;
  requestId?: string | null;
  status: string;
  output?: { text?: string | null; segments?: readonly { start: number; end: number; text?: string | null }[] | null } | null;
}

function PipelineSteps({ steps }: { steps: readonly StepSummary[] }) {
  return (
    <ol class="steps" aria-label="Steps">
      {steps.map((step) => (
        <li key={step.index} class={`step step-${step.status.toLowerCase()}`} data-step={step.index}>
          <div class="step-head">
            <strong>
              {step.index + 1}. {taskName(step.task)}
            </strong>
            <span class="muted small">{step.model}</span>
            <StatusBadge status={step.status} />
            {step.requestId && (
              <Link class="small" href={`/requests/${step.requestId}`}>
                request {shortId(step.requestId)}
              </Link>
            )}
          </div>
          {step.output?.segments?.length ? <TimedSegments segments={step.output.segments} /> : null}
          {step.output?.text != null && !step.output.segments?.some((s) => s.text) && <pre class="text-block">{step.output.text}</pre>}
        </li>
      ))}
    </ol>
  );
}
