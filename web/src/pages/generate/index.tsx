import { useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../../api';
import type { GenerateInput } from '../../gql/graphql';
import { ErrorBox } from '../../components/error-box';
import { ModelSelect } from '../../components/model-select';
import { StreamText, appendText, clearText } from '../../components/stream-text';
import { useStream } from '../../lib/use-stream';
import { ChatTurns, type Turn } from './chat-turns';
import { GenerateStream, GenerationModels } from './documents';
import { GenerationStats } from './generation-stats';
import { foldGeneration, type GenerationView } from './generation-view';
import { INITIAL_SAMPLING, SamplingFields, samplingInput } from './sampling';

type Mode = 'prompt' | 'chat';

export function GeneratePage() {
  const [models, setModels] = useState<{ name: string; status: string }[]>([]);
  const [model, setModel] = useState('');
  const [mode, setMode] = useState<Mode>('prompt');
  const [prompt, setPrompt] = useState('Once upon a time');
  const [turns, setTurns] = useState<Turn[]>([
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Tell me a short story.' },
  ]);
  const [sampling, setSampling] = useState(INITIAL_SAMPLING);
  const [error, setError] = useState<ApiError | null>(null);
  const output = useRef<HTMLPreElement>(null);
  const run = useStream(GenerateStream, (view: GenerationView, { generate: event }, control) => {
    foldGeneration(view, event, control, (text) => appendText(output.current, text));
    if (event.__typename === 'GenerationCompleted' && !event.error && mode === 'chat') {
      setTurns((current) => [...current, { role: 'assistant', content: event.text }, { role: 'user', content: '' }]);
    }
  }, { perFrame: true });

  useEffect(() => {
    request(GenerationModels)
      .then((data) => {
        setModels(data.models);
        setModel((current) => current || (data.models.find((m) => m.status === 'READY') ?? data.models[0])?.name || '');
      })
      .catch((failure) => setError(asApiError(failure)));
  }, []);

  const running = run.running && !run.view?.outcome;

  function input(): GenerateInput {
    const value: GenerateInput = { model: model || undefined, ...samplingInput(sampling) };
    if (mode === 'prompt') value.prompt = prompt;
    else value.messages = turns.filter((turn) => turn.content.trim() !== '');
    return value;
  }

  function start() {
    if (running) return;
    clearText(output.current);
    setError(null);
    void run.start({ began: performance.now(), tokens: 0 }, { input: input() });
  }

  /** Completing the subscription is the whole protocol: the server cancels and records CANCELLED. */
  const stop = () => run.stop();

  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      start();
    } else if (event.key === 'Escape' && running) stop();
  };

  return (
    <section class="page generate" aria-labelledby="generate-title" onKeyDown={onKey}>
      <h1 id="generate-title">Generate text</h1>
      <form
        class="panel"
        onSubmit={(event) => {
          event.preventDefault();
          start();
        }}
      >
        <div class="row">
          <ModelSelect models={models} value={model} onChange={setModel} defaultOption={false} />
          <div class="segmented" role="radiogroup" aria-label="Input">
            {(['prompt', 'chat'] as const).map((value) => (
              <label key={value}>
                <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => setMode(value)} />
                <span>{value === 'prompt' ? 'Prompt' : 'Chat'}</span>
              </label>
            ))}
          </div>
        </div>
        {mode === 'prompt' ? (
          <label class="field">
            <span>Prompt</span>
            <textarea rows={4} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
          </label>
        ) : (
          <ChatTurns turns={turns} onChange={setTurns} />
        )}
        <SamplingFields value={sampling} onChange={setSampling} />
        <div class="actions">
          <button type="submit" disabled={running}>
            Generate
          </button>
          <button type="button" class="danger" disabled={!running} onClick={stop}>
            Stop
          </button>
          <span class="muted hint">Ctrl+Enter generates, Esc stops</span>
        </div>
      </form>

      <ErrorBox error={run.error ?? error} />

      <div class="panel output">
        <GenerationStats run={run} running={running} />
        <div class={`stream${running ? ' streaming' : ''}`} aria-busy={running}>
          <StreamText target={output} label="Generated text" />
        </div>
      </div>
    </section>
  );
}
