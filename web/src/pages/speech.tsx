import { useState } from 'preact/hooks';
import { asApiError, upload, type ApiError } from '../api';
import { graphql } from '../gql';
import type { DetectSpeechMutation } from '../gql/graphql';
import { DropZone } from '../components/drop-zone';
import { ErrorBox } from '../components/error-box';
import { Waveform } from '../components/waveform';
import { RecordButton } from '../components/record-button';
import { useAudioClip } from '../lib/use-audio-clip';
import { Segments } from '../components/segments';
import { FileFacts } from '../components/file-facts';
import { RequestLink } from '../components/request-link';
import { ms, seconds } from '../lib/format';

const DetectSpeech = graphql(`
  mutation DetectSpeech($input: DetectSpeechInput!) {
    detectSpeech(input: $input) {
      durationSeconds
      sampleRate
      segments {
        start
        end
      }
      request {
        id
        computeMs
      }
    }
  }
`);

type Result = DetectSpeechMutation['detectSpeech'];

export function SpeechPage() {
  const { clip, audio, pick } = useAudioClip();
  const [threshold, setThreshold] = useState(0.5);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function detect(blob: Blob, name: string, at = threshold) {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const data = await upload(DetectSpeech, { input: { audio: { file: null }, threshold: at } }, 'input.audio.file', blob, name);
      setResult(data.detectSpeech);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  }

  function choose(blob: Blob, name: string) {
    pick(blob, name);
    void detect(blob, name);
  }

  const speech = result?.segments.reduce((sum, s) => sum + (s.end - s.start), 0) ?? 0;

  return (
    <section class="page" aria-labelledby="speech-title">
      <h1 id="speech-title">Find speech in audio</h1>
      <div class="panel">
        <div class="row">
          <DropZone accept="audio/*,.wav" label="Choose a WAV or other audio file" disabled={busy} onFile={(file) => choose(file, file.name)} />
          <RecordButton disabled={busy} onClip={choose} onError={setError} onStart={() => setError(null)} />
        </div>
        <div class="actions">
          <label class="field inline">
            <span>Threshold {threshold.toFixed(2)}</span>
            <input type="range" min="0.05" max="0.95" step="0.05" value={threshold} onInput={(e) => setThreshold(Number(e.currentTarget.value))} />
          </label>
          {clip && (
            <>
              <FileFacts name={clip.name} size={clip.blob.size} />
              <button type="button" class="secondary" disabled={busy} onClick={() => detect(clip.blob, clip.name)}>
                Detect again
              </button>
            </>
          )}
          {busy && <span class="spinner" role="status">Listening…</span>}
        </div>
      </div>
      <ErrorBox error={error} />
      {clip && (
        <div class="panel">
          <Waveform audio={audio} duration={result?.durationSeconds} segments={result?.segments ?? []} />
          <audio controls src={clip.url} class="player" />
          {result && (
            <>
              <p class="muted summary" data-testid="vad-summary">
                {result.segments.length} {result.segments.length === 1 ? 'segment' : 'segments'} · {seconds(speech)} of speech in{' '}
                {seconds(result.durationSeconds)} · {ms(result.request.computeMs)} · <RequestLink id={result.request.id} />
              </p>
              <Segments segments={result.segments} />
            </>
          )}
        </div>
      )}
    </section>
  );
}
