import { useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../../api';
import { DropZone } from '../../components/drop-zone';
import { ErrorBox } from '../../components/error-box';
import { FileFacts } from '../../components/file-facts';
import { ModelSelect } from '../../components/model-select';
import { RecordButton } from '../../components/record-button';
import { StreamText, appendText, clearText } from '../../components/stream-text';
import { TimedSegments } from '../../components/timed-segments';
import { Waveform } from '../../components/waveform';
import { useAudioClip } from '../../lib/use-audio-clip';
import { useStream } from '../../lib/use-stream';
import { storeArtifact } from '../../lib/artifacts';
import { RecognitionModels, TranscribeStream } from './documents';
import { TranscriptionSummary } from './transcription-summary';
import { foldTranscription, phaseOf, type TranscriptionView } from './transcription-view';

export function TranscribePage() {
  const [models, setModels] = useState<{ name: string; status: string }[]>([]);
  const [model, setModel] = useState('');
  const [language, setLanguage] = useState('');
  const { clip, audio, pick } = useAudioClip();
  const [error, setError] = useState<ApiError | null>(null);
  const tokens = useRef<HTMLPreElement>(null);
  const run = useStream(TranscribeStream, (view: TranscriptionView, { transcribe: event }) =>
    foldTranscription(view, event, (text) => appendText(tokens.current, text)),
  );

  useEffect(() => {
    request(RecognitionModels).then(
      (data) => setModels(data.models),
      (failure) => setError(asApiError(failure)),
    );
  }, []);

  const view = run.view;
  const phase = view && phaseOf(view, run.status);
  const busy = phase === 'uploading' || phase === 'streaming';

  function transcribe(blob: Blob, name: string) {
    clearText(tokens.current);
    setError(null);
    const options = { model: model || undefined, language: language.trim() || undefined };
    void run.start({ done: false, segments: [] }, async () => ({ input: { audio: { artifactId: (await storeArtifact(blob, name)).id }, ...options } }));
  }

  function choose(blob: Blob, name: string) {
    pick(blob, name);
    transcribe(blob, name);
  }

  return (
    <section class="page" aria-labelledby="transcribe-title">
      <h1 id="transcribe-title">Transcribe speech</h1>
      <div class="panel">
        <div class="row">
          <ModelSelect name="model" models={models} value={model} onChange={setModel} />
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
            <FileFacts name={clip.name} size={clip.blob.size} />
            <button type="button" class="secondary" disabled={busy} onClick={() => transcribe(clip.blob, clip.name)}>
              Transcribe again
            </button>
            {busy && <span class="spinner" role="status">{phase === 'uploading' ? 'Uploading…' : 'Listening…'}</span>}
          </div>
        )}
      </div>

      <ErrorBox error={run.error ?? error} />

      {clip && (
        <div class="panel">
          <Waveform audio={audio} duration={view?.durationSeconds} segments={view?.segments ?? []} />
          <audio controls src={clip.url} class="player" />
          {view && phase && <TranscriptionSummary view={view} phase={phase} />}
          <div hidden={!busy} class="stream streaming">
            <StreamText target={tokens} label="Decoded tokens" />
          </div>
          {view && view.segments.length > 0 && <TimedSegments segments={view.segments} />}
          {view?.text != null && (
            <>
              <h2>Text</h2>
              <pre class="text-block" data-testid="transcript">
                {view.text}
              </pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
