import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request, subscribe } from '../api';
import { graphql } from '../gql';
import type { ChatRole, FinishReason, GenerateInput } from '../gql/graphql';
import { ErrorBox } from '../components/error-box';
import { StreamText, appendText, clearText } from '../components/stream-text';
import { Link } from '../router';
import { ms, rate, shortId } from '../lib/format';

const GenerationModels = graphql(`
  query GenerationModels {
    models(task: TEXT_GENERATION) {
      name
      status
    }
  }
`);

const GenerateStream = graphql(`
  subscription GenerateStream($input: GenerateInput!) {
    generate(input: $input) {
      __typename
      ... on GenerationStarted {
        requestId
        model
        promptTokens
      }
      ... on GenerationToken {
        text
      }
      ... on GenerationCompleted {
        requestId
        finishReason
        text
        usage {
          promptTokens
          completionTokens
        }
        timings {
          queueMs
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

const FIELDS = [
  { key: 'maxTokens', label: 'Max tokens', step: '1', min: '1', hint: 'model default' },
  { key: 'temperature', label: 'Temperature', step: '0.05', min: '0', hint: '0 (greedy)' },
  { key: 'topK', label: 'Top-k', step: '1', min: '0', hint: 'off' },
  { key: 'topP', label: 'Top-p', step: '0.05', min: '0', max: '1', hint: '1' },
  { key: 'minP', label: 'Min-p', step: '0.01', min: '0', max: '1', hint: '0' },
  { key: 'repetitionPenalty', label: 'Repetition penalty', step: '0.05', min: '0', hint: '1' },
  { key: 'seed', label: 'Seed', step: '1', hint: 'random' },
] as const;

type FieldKey = (typeof FIELDS)[number]['key'];
type Mode = 'prompt' | 'chat';

interface Turn {
  role: ChatRole;
  content: string;
}

interface RunState {
  phase: 'starting' | 'streaming' | 'finished' | 'stopped' | 'failed';
  requestId?: string;
  model?: string;
  promptTokens?: number;
  tokens: number;
  /** Client-side until the server's figure arrives with completion. */
  firstTokenMs?: number;
  /** How long the first token has been awaited so far. */
  waitingMs?: number;
  tokensPerSecond?: number | null;
  queueMs?: number;
  finishReason?: FinishReason;
}

const number = (text: string) => (text.trim() === '' ? undefined : Number(text));

export function GeneratePage() {
  const [models, setModels] = useState<{ name: string; status: string }[]>([]);
  const [model, setModel] = useState('');
  const [mode, setMode] = useState<Mode>('prompt');
  const [prompt, setPrompt] = useState('Once upon a time');
  const [turns, setTurns] = useState<Turn[]>([
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Tell me a short story.' },
  ]);
  const [params, setParams] = useState<Record<FieldKey, string>>({
    maxTokens: '64',
    temperature: '',
    topK: '',
    topP: '',
    minP: '',
    repetitionPenalty: '',
    seed: '',
  });
  const [stops, setStops] = useState('');
  const [run, setRun] = useState<RunState | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const output = useRef<HTMLPreElement>(null);
  const stopRef = useRef<(() => void) | null>(null);
  const live = useRef<RunState | null>(null);
  const frame = useRef(0);
  const waiting = useRef<ReturnType<typeof setInterval> | undefined>(undefined);

  useEffect(() => {
    request(GenerationModels)
      .then((data) => {
        setModels(data.models);
        setModel((current) => current || (data.models.find((m) => m.status === 'READY') ?? data.models[0])?.name || '');
      })
      .catch(setError);
    return () => {
      stopRef.current?.();
      cancelAnimationFrame(frame.current);
      clearInterval(waiting.current);
    };
  }, []);

  const running = run?.phase === 'starting' || run?.phase === 'streaming';

  function input(): GenerateInput {
    const value: GenerateInput = { model: model || undefined };
    for (const field of FIELDS) {
      const parsed = number(params[field.key]);
      if (parsed !== undefined) value[field.key] = parsed;
    }
    const stop = stops.split('\n').filter((line) => line !== '');
    if (stop.length) value.stop = stop.map((line) => line.replace(/\\n/g, '\n'));
    if (mode === 'prompt') value.prompt = prompt;
    else value.messages = turns.filter((turn) => turn.content.trim() !== '');
    return value;
  }

  function start() {
    if (running) return;
    clearText(output.current);
    setError(null);
    const began = performance.now();
    let firstAt = 0;
    let count = 0;
    const state: RunState = { phase: 'starting', tokens: 0 };
    live.current = state;
    const publish = () => {
      frame.current = 0;
      setRun({ ...state });
    };
    // Stats re-render at most once a frame; the text itself is appended per token.
    const schedule = () => {
      if (!frame.current) frame.current = requestAnimationFrame(publish);
    };
    // Until the first token, the wait itself is the live figure (prefill on a big model takes a while).
    const ticker = setInterval(() => {
      if (firstAt || state.phase === 'stopped') return clearInterval(ticker);
      state.waitingMs = performance.now() - began;
      schedule();
    }, 100);
    waiting.current = ticker;
    const settle = () => {
      clearInterval(ticker);
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      stopRef.current = null;
      setRun({ ...state });
    };
    setRun({ ...state });
    stopRef.current = subscribe(GenerateStream, { input: input() }, {
      next({ generate: event }) {
        if (event.__typename === 'GenerationStarted') {
          Object.assign(state, { phase: 'streaming', requestId: event.requestId, model: event.model, promptTokens: event.promptTokens });
        } else if (event.__typename === 'GenerationToken') {
          const now = performance.now();
          if (!firstAt) {
            firstAt = now;
            state.firstTokenMs = now - began;
          }
          count++;
          appendText(output.current, event.text);
          state.tokens = count;
          state.tokensPerSecond = now > firstAt ? (count - 1) / ((now - firstAt) / 1000) : null;
        } else if (event.__typename === 'GenerationCompleted') {
          Object.assign(state, {
            phase: event.error ? 'failed' : 'finished',
            requestId: event.requestId,
            finishReason: event.finishReason,
            tokens: event.usage.completionTokens,
            promptTokens: event.usage.promptTokens,
            firstTokenMs: event.timings.timeToFirstTokenMs ?? state.firstTokenMs,
            tokensPerSecond: event.timings.tokensPerSecond ?? state.tokensPerSecond,
            queueMs: event.timings.queueMs,
          });
          if (event.error) setError(new ApiError(event.error.code, event.error.message));
          if (mode === 'chat' && !event.error) {
            setTurns((current) => [...current, { role: 'assistant', content: event.text }, { role: 'user', content: '' }]);
          }
        }
        schedule();
      },
      error(failure) {
        state.phase = 'failed';
        settle();
        setError(failure);
      },
      complete: settle,
    });
  }

  /** Completing the subscription is the whole protocol: the server cancels and records CANCELLED. */
  function stop() {
    const state = live.current;
    stopRef.current?.();
    stopRef.current = null;
    cancelAnimationFrame(frame.current);
    clearInterval(waiting.current);
    frame.current = 0;
    if (!state) return;
    state.phase = 'stopped';
    state.finishReason = 'CANCELLED';
    setRun({ ...state });
  }

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
          <label class="field">
            <span>Model</span>
            <select value={model} onChange={(e) => setModel(e.currentTarget.value)}>
              {models.length === 0 && <option value="">default</option>}
              {models.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                  {m.status === 'READY' ? '' : ` (${m.status.toLowerCase()})`}
                </option>
              ))}
            </select>
          </label>
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
          <fieldset class="chat">
            <legend>Chat</legend>
            {turns.map((turn, i) => (
              <div class="turn" key={i}>
                <select
                  aria-label={`Role of message ${i + 1}`}
                  value={turn.role}
                  onChange={(e) => {
                    const role = e.currentTarget.value as ChatRole;
                    setTurns((current) => current.map((t, j) => (j === i ? { ...t, role } : t)));
                  }}
                >
                  <option value="system">system</option>
                  <option value="user">user</option>
                  <option value="assistant">assistant</option>
                </select>
                <textarea
                  aria-label={`Message ${i + 1}`}
                  rows={2}
                  value={turn.content}
                  onInput={(e) => {
                    const content = e.currentTarget.value;
                    setTurns((current) => current.map((t, j) => (j === i ? { ...t, content } : t)));
                  }}
                />
                <button type="button" class="icon" aria-label={`Remove message ${i + 1}`} onClick={() => setTurns((current) => current.filter((_, j) => j !== i))}>
                  ×
                </button>
              </div>
            ))}
            <button type="button" class="secondary" onClick={() => setTurns((current) => [...current, { role: 'user', content: '' }])}>
              Add message
            </button>
          </fieldset>
        )}

        <details class="sampling">
          <summary>Sampling</summary>
          <div class="grid">
            {FIELDS.map((field) => (
              <label class="field" key={field.key}>
                <span>{field.label}</span>
                <input
                  type="number"
                  name={field.key}
                  step={field.step}
                  min={'min' in field ? field.min : undefined}
                  max={'max' in field ? field.max : undefined}
                  placeholder={field.hint}
                  value={params[field.key]}
                  onInput={(e) => {
                    const value = e.currentTarget.value;
                    setParams((current) => ({ ...current, [field.key]: value }));
                  }}
                />
              </label>
            ))}
            <label class="field wide">
              <span>Stop strings, one per line (\n for a newline)</span>
              <textarea rows={2} name="stop" value={stops} onInput={(e) => setStops(e.currentTarget.value)} />
            </label>
          </div>
        </details>

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

      <ErrorBox error={error} />

      <div class="panel output">
        <div class="stats" aria-live="polite">
          <Stat label="Status" value={run ? describe(run) : 'idle'} name="status" />
          <Stat
            label="First token"
            value={run?.firstTokenMs != null ? ms(run.firstTokenMs) : running && run?.waitingMs != null ? `${ms(run.waitingMs)}…` : '—'}
            name="ttft"
          />
          <Stat label="Tokens" value={run ? String(run.tokens) : '—'} name="tokens" />
          <Stat label="Speed" value={rate(run?.tokensPerSecond)} name="speed" />
          {run?.finishReason && <Stat label="Finish" value={run.finishReason} name="finish-reason" />}
          {run?.requestId && (
            <div class="stat">
              <span class="stat-label">Request</span>
              <Link href={`/requests/${run.requestId}`} class="stat-value mono">
                {shortId(run.requestId)}
              </Link>
            </div>
          )}
        </div>
        <div class={`stream${running ? ' streaming' : ''}`} aria-busy={running}>
          <StreamText target={output} label="Generated text" />
        </div>
      </div>
    </section>
  );
}

function describe(run: RunState): string {
  switch (run.phase) {
    case 'starting':
      return 'waiting…';
    case 'streaming':
      return 'streaming';
    case 'stopped':
      return 'stopped';
    case 'failed':
      return 'failed';
    default:
      return run.finishReason === 'CANCELLED' ? 'cancelled' : 'done';
  }
}

function Stat({ label, value, name }: { label: string; value: string; name: string }) {
  return (
    <div class="stat" data-stat={name}>
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value}</span>
    </div>
  );
}
