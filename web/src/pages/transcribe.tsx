import { useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, request, subscribe, type ApiError } from '../api';
import { graphql } from '../gql';
import { DropZone } from '../components/drop-zone';
import { ErrorBox } from '../components/error-box';
import { RecordButton } from '../components/record-button';
import { StreamText, appendText, clearText } from '../components/stream-text';
import { TimedSegments } from '../components/timed-segments';
import { Waveform } from '../components/waveform';
import { useAudioClip } from '../lib/use-audio-clip';
import { storeArtifact } from '../lib/artifacts';
import { Link } from '../router';
import { bytes, ms, seconds, shortId } from '../lib/format';

const RecognitionModels = graphql(`
  query RecognitionModels {
    models(task: SPEECH_RECOGNITION) {
      name
      status
    }
  }
`);

const TranscribeStream = graphql(`
  subscription TranscribeStream($input: TranscribeInput!) {
    transcribe(input: $input) {
      __typename
      ... on TranscriptionStarted {
        requestId
        model
      }
      ... on TranscriptionSegment {
        start
        end
        text
      }
      ... on TranscriptionToken {
        text
      }
      ... on TranscriptionCompleted {
        requestId
        text
        durationSeconds
        segments {
          start
          end
          text
        }
        timings {
          computeMs
          realTimeFactor
          timeToFirstSegmentMs
        }
      }
    }
  }
`);

interface RunView {
  phase: 'uploading' | 'streaming' | 'done' | 'failed';
  requestId?: string;
  model?: string;
  segments: { start: number; end: number; text: string }[];
  text?: string;
  durationSeconds?: number;
  computeMs?: number;
  realTimeFactor?: number;
  firstSegmentMs?: number | null;
}

export function TranscribePage() {
  const [models, setModels] = useState<{ name: string; status: string }[]>([]);
  const [model, setModel] = useState('');
  const [language, setLanguage] = useState('');
  const { clip, audio, pick } = useAudioClip();
  const [run, setRun] = useState<RunView | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const tokens = useRef<HTMLPreElement>(null);
  const stopRef = useRef<(() => void) | null>(null);

  useEffect(() => {
    request(RecognitionModels).then(
      (data) => setModels(data.models),
      (failure) => setError(asApiError(failure)),
    );
    return () => stopRef.current?.();
  }, []);

  const busy = run?.phase === 'uploading' || run?.phase === 'streaming';

  async function transcribe(blob: Blob, name: string) {
    stopRef.current?.();
    clearText(tokens.current);
    setError(null);
    const state: RunView = { phase: 'uploading', segments: [] };
    setRun({ ...state });
    let artifactId: string;
    try {
      artifactId = (await storeArtifact(blob, name)).id;
    } catch (failure) {
      setRun({ ...state, phase: 'failed' });
      setError(asApiError(failure));
      return;
    }
    state.phase = 'streaming';
    setRun({ ...state });
    const input = { audio: { artifactId }, model: model || undefined, language: language.trim() || undefined };
    stopRef.current = subscribe(TranscribeStream, { input }, {
      next({ transcribe: event }) {
        switch (event.__typename) {
          case 'TranscriptionStarted':
            Object.assign(state, { requestId: event.requestId, model: event.model });
            break;
          case 'TranscriptionSegment':
            state.segments = [...state.segments, { start: event.start, end: event.end, text: event.text }];
            break;
          case 'TranscriptionToken':
            appendText(tokens.current, event.text);
            break;
          case 'TranscriptionCompleted':
            Object.assign(state, {
              phase: 'done',
              requestId: event.requestId,
              text: event.text,
              segments: event.segments,
              durationSeconds: event.durationSeconds,
              computeMs: event.timings.computeMs,
              realTimeFactor: event.timings.realTimeFactor,
              firstSegmentMs: event.timings.timeToFirstSegmentMs,
            });
            break;
        }
        setRun({ ...state });
      },
      error(failure) {
        stopRef.current = null;
        setRun({ ...state, phase: 'failed' });
        setError(failure);
      },
      complete() {
        stopRef.current = null;
      },
    });
  }

  function choose(blob: Blob, name: string) {
    pick(blob, name);
    void transcribe(blob, name);
  }

  return (
    <section class="page" aria-labelledby="transcribe-title">
      <h1 id="transcribe-title">Transcribe speech</h1>
      <div class="panel">
        <div class="row">
          <label class="field">
            <span>Model</span>
            <select name="model" value={model} onChange={(e) => setModel(e.currentTarget.value)}>
              <option value="">default</option>
              {models.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                  {m.status === 'READY' ? '' : ` (${m.status.toLowerCase()})`}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Language</span>
            <input type="text" name="language" size={6} value={language} placeholder="auto" onInput={(e) => setLanguage(e.currentTarget.value)} />
          </label>
        </div>
        <div class="row">
          <DropZone accept="audio/*,.wav" label="Choose a WAV or other audio file" disabled={busy} onFile={(file) => choose(file, file.name)} />
          <RecordButton disabled={busy} onClip={choose} onError={setError} onStart={() => setError(null)} />
        </div>
        {clip && (
          <div class="actions">
            <span class="muted">
              {clip.name} · {bytes(clip.blob.size)}
            </span>
            <button type="button" class="secondary" disabled={busy} onClick={() => transcribe(clip.blob, clip.name)}>
              Transcribe again
            </button>
            {busy && <span class="spinner" role="status">{run?.phase === 'uploading' ? 'Uploading…' : 'Listening…'}</span>}
          </div>
        )}
      </div>

      <ErrorBox error={error} />

      {clip && (
        <div class="panel">
          <Waveform audio={audio} duration={run?.durationSeconds} segments={run?.segments ?? []} />
          <audio controls src={clip.url} class="player" />
          {run && (
            <p class="muted summary" data-testid="transcribe-summary" data-phase={run.phase}>
              {run.phase === 'done' ? 'done' : run.phase} · {run.segments.length} {run.segments.length === 1 ? 'segment' : 'segments'}
              {run.durationSeconds != null && <> · {seconds(run.durationSeconds)} of audio</>}
              {run.computeMs != null && <> · {ms(run.computeMs)}</>}
              {run.realTimeFactor != null && (
                <>
                  {' '}
                  · <span data-testid="rtf">RTF {run.realTimeFactor.toFixed(3)}</span>
                </>
              )}
              {run.firstSegmentMs != null && <> · first segment {ms(run.firstSegmentMs)}</>}
              {run.model && <> · {run.model}</>}
              {run.requestId && (
                <>
                  {' '}
                  · <Link href={`/requests/${run.requestId}`}>request {shortId(run.requestId)}</Link>
                </>
              )}
            </p>
          )}
          <div hidden={!busy} class="stream streaming">
            <StreamText target={tokens} label="Decoded tokens" />
          </div>
          {run && run.segments.length > 0 && <TimedSegments segments={run.segments} />}
          {run?.text != null && (
            <>
              <h2>Text</h2>
              <pre class="text-block" data-testid="transcript">
                {run.text}
              </pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
