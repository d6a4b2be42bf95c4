import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError, request } from '../../api';
import { ErrorBox } from '../../components/error-box';
import { StatusBadge } from '../../components/status-badge';
import { StreamText, appendText, clearText } from '../../components/stream-text';
import { TimingBar } from '../../components/timing-bar';
import { between, shortId } from '../../lib/format';
import { ArtifactPreview } from './artifact-preview';
import { active, generationOf, streamsTokens, type Detail } from './detail';
import { CancelRequest, RequestDetail } from './documents';
import { Facts } from './facts';
import { ResultOutput } from './result-output';
import { useFollow } from './use-follow';

export function RequestDetailPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [version, setVersion] = useState(0);
  const output = useRef<HTMLPreElement>(null);
  const reload = () => setVersion((n) => n + 1);

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

  const following = { tokens: detail != null && streamsTokens(detail.task) && active(detail.status), steps: detail?.task === 'PIPELINE' && active(detail.status) };
  const follow = useFollow(id, following, output, reload);

  // When the request is done, its stored output replaces the streamed one.
  useEffect(() => {
    if (!detail || following.tokens || !output.current) return;
    clearText(output.current);
    appendText(output.current, detail.outputText ?? '');
  }, [detail, following.tokens]);

  async function cancel() {
    try {
      await request(CancelRequest, { id });
      reload();
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
  const generation = generationOf(detail.result);
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
        <Facts detail={detail} finishReason={generation?.finishReason} />
        <TimingBar queueMs={detail.queueMs} firstOutputMs={between(detail.startedAt, detail.firstOutputAt)} computeMs={detail.computeMs} tokensPerSecond={tokensPerSecond} />
        {active(detail.status) && (
          <div class="actions">
            <button type="button" class="danger" onClick={cancel}>
              Cancel request
            </button>
          </div>
        )}
      </div>

      {detail.error && <ErrorBox error={detail.error} />}
      <ErrorBox error={error ?? follow.error} />

      <div class={detail.task === 'TEXT_GENERATION' ? 'columns' : 'stack'}>
        <div class="panel">
          <h2>Input</h2>
          {detail.inputText != null && <pre class="text-block">{detail.inputText}</pre>}
          {inputs.map((a) => (
            <ArtifactPreview key={a.artifact.id} artifact={a.artifact} captionOnly={detail.result?.__typename === 'OcrResult' && a === image} />
          ))}
          <details>
            <summary>Parameters</summary>
            <pre class="text-block">{JSON.stringify(detail.parameters, null, 2)}</pre>
          </details>
        </div>
        <div class="panel">
          <h2>Output</h2>
          {(streamsTokens(detail.task) || detail.outputText != null) && (
            <div class={`stream${follow.streaming ? ' streaming' : ''}`} aria-busy={follow.streaming}>
              <StreamText target={output} label="Output text" />
            </div>
          )}
          <ResultOutput detail={detail} image={image?.artifact} sound={sound?.artifact} />
          {outputs.map((a) => (
            <ArtifactPreview key={a.artifact.id} artifact={a.artifact} />
          ))}
        </div>
      </div>
    </section>
  );
}
