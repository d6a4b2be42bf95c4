/** Text to speech: `speak` streams a chunk per sentence, played as it arrives; the whole WAV is kept. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { graphql } from '../../gql';
import type { SpeakStreamSubscription } from '../../gql/graphql';
import { ArtifactAudio } from '../../components/artifact-audio';
import { ErrorBox } from '../../components/error-box';
import { SummaryRequest } from '../../components/request-link';
import { ms } from '../../lib/format';
import { PcmPlayer } from '../../lib/pcm-player';
import { useStream } from '../../lib/use-stream';

const SpeakStream = graphql(`
  subscription SpeakStream($input: SpeechInput!) {
    speak(input: $input) {
      __typename
      ... on SpeechStarted {
        requestId
      }
      ... on SpeechChunk {
        sequence
        samples
        sampleRate
        text
      }
      ... on SpeechCompleted {
        audio {
          url
        }
        durationSeconds
        timings {
          timeToFirstAudioMs
          realTimeFactor
        }
      }
    }
  }
`);

interface SpeakView {
  requestId?: string;
  spoken: string[];
  audioUrl?: string;
  durationSeconds?: number;
  timeToFirstAudioMs?: number | null;
  realTimeFactor?: number;
}

type Event = SpeakStreamSubscription['speak'];

export function SpeakPage() {
  const [text, setText] = useState('Hello there. This sentence is spoken while the next one is still being made.');
  const [speed, setSpeed] = useState(1);
  const player = useRef(new PcmPlayer());
  const run = useStream(
    SpeakStream,
    (view: SpeakView, { speak: event }: { speak: Event }) => {
      if (event.__typename === 'SpeechStarted') view.requestId = event.requestId;
      if (event.__typename === 'SpeechChunk') {
        player.current.play(event.samples, event.sampleRate);
        view.spoken = [...view.spoken, event.text];
      }
      if (event.__typename === 'SpeechCompleted') {
        Object.assign(view, { audioUrl: event.audio.url, durationSeconds: event.durationSeconds, ...event.timings });
      }
    },
  );
  useEffect(() => () => player.current.close(), []);
  const busy = run.running;
  const view = run.view;

  function speak() {
    player.current.open();
    void run.start({ spoken: [] }, { input: { text, speed } });
  }

  function stop() {
    run.stop();
    player.current.close();
  }

  return (
    <section class="page" aria-labelledby="speak-title">
      <h1 id="speak-title">Speak text</h1>
      <div class="panel">
        <label class="field">
          <span>Text</span>
          <textarea name="text" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <label class="field inline">
            <span>Speed {speed.toFixed(2)}</span>
            <input type="range" min="0.5" max="2" step="0.25" value={speed} onInput={(e) => setSpeed(Number(e.currentTarget.value))} />
          </label>
          <button type="button" disabled={busy || !text.trim()} onClick={speak}>
            Speak
          </button>
          {busy && (
            <button type="button" class="secondary" onClick={stop}>
              Stop
            </button>
          )}
        </div>
      </div>
      <ErrorBox error={run.error} />
      {view && (
        <div class="panel">
          <p class="muted summary" data-testid="speak-summary">
            {view.spoken.length} sentence{view.spoken.length === 1 ? '' : 's'} spoken
            {view.timeToFirstAudioMs != null && <> · first audio after {ms(view.timeToFirstAudioMs)}</>}
            {view.realTimeFactor != null && <> · real-time factor {view.realTimeFactor.toFixed(2)}</>}
            <SummaryRequest id={view.requestId} />
          </p>
          <pre class="text-block">{view.spoken.join('\n')}</pre>
          {view.audioUrl && <ArtifactAudio url={view.audioUrl} label="The whole recording" />}
        </div>
      )}
    </section>
  );
}
