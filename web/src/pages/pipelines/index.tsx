import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError, subscribe } from '../api';
import { graphql } from '../gql';
import type { PipelineDataKind, PipelineStepInput, PipelineTask, RunPipelineInput } from '../gql/graphql';
import { DropZone } from '../components/drop-zone';
import { ErrorBox } from '../components/error-box';
import { StatusBadge } from '../components/status-badge';
import { TimedSegments } from '../components/timed-segments';
import { storeArtifact } from '../lib/artifacts';
import { Link } from '../router';
import { bytes, ms, shortId, taskName } from '../lib/format';

const RunPipeline = graphql(`
  subscription RunPipelineStream($input: RunPipelineInput!) {
    runPipeline(input: $input) {
      __typename
      ... on PipelineStarted {
        requestId
        steps {
          index
          task
          model
          input
          output
        }
      }
      ... on PipelineStepStarted {
        step
        requestId
        model
      }
      ... on PipelineToken {
        step
        text
      }
      ... on PipelineStepSegment {
        step
        start
        end
        text
      }
      ... on PipelineStepCompleted {
        step
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
      ... on PipelineCompleted {
        requestId
        output {
          kind
          text
        }
      }
      ... on PipelineFailed {
        requestId
        status
        failedStep: step
        error {
          code
          message
        }
      }
    }
  }
`);

interface Preset {
  id: string;
  label: string;
  input: 'audio' | 'image';
  accept: string;
  steps: PipelineStepInput[];
}

/** Templates keep to the plain prompt form so that any text-generation model continues them. */
const PRESETS: Preset[] = [
  {
    id: 'voice-question',
    label: 'Voice question → answer',
    input: 'audio',
    accept: 'audio/*,.wav',
    steps: [{ task: 'TRANSCRIBE' }, { task: 'GENERATE', template: 'Question: {{input}}\nAnswer:', generation: { maxTokens: 48 } }],
  },
  {
    id: 'receipt-summary',
    label: 'Receipt image → OCR → summary',
    input: 'image',
    accept: 'image/*',
    steps: [{ task: 'RECOGNIZE_TEXT' }, { task: 'GENERATE', template: 'Receipt:\n{{input}}\nSummary:', generation: { maxTokens: 48 } }],
  },
  {
    id: 'picture-story',
    label: 'Image → caption → story',
    input: 'image',
    accept: 'image/*',
    steps: [{ task: 'CAPTION' }, { task: 'GENERATE', template: 'A picture of {{input}}. The story:', generation: { maxTokens: 48 } }],
  },
  {
    id: 'speech-transcript',
    label: 'Speech → VAD → transcription',
    input: 'audio',
    accept: 'audio/*,.wav',
    steps: [{ task: 'DETECT_SPEECH' }, { task: 'TRANSCRIBE' }],
  },
];

type StepPhase = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

interface StepView {
  index: number;
  task: PipelineTask;
  model: string;
  output: PipelineDataKind;
  phase: StepPhase;
  requestId?: string;
  text: string;
  segments: { start: number; end: number; text?: string | null }[];
  startedAt?: number;
  elapsedMs?: number;
  error?: { code: string; message: string };
}

interface RunView {
  phase: 'starting' | 'running' | 'completed' | 'failed';
  requestId?: string;
  steps: StepView[];
  output?: string | null;
}

export function PipelinesPage() {
  const [presetId, setPresetId] = useState(PRESETS[0].id);
  const [file, setFile] = useState<File | null>(null);
  const [template, setTemplate] = useState<string | undefined>(undefined);
  const [run, setRun] = useState<RunView | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const stopRef = useRef<(() => void) | null>(null);
  const frame = useRef(0);

  useEffect(
    () => () => {
      stopRef.current?.();
      cancelAnimationFrame(frame.current);
    },
    [],
  );

  const preset = PRESETS.find((p) => p.id === presetId)!;
  const generate = preset.steps.find((s) => s.task === 'GENERATE');
  const running = run?.phase === 'starting' || run?.phase === 'running';

  function pick(id: string) {
    setPresetId(id);
    setTemplate(undefined);
    if (PRESETS.find((p) => p.id === id)?.input !== preset.input) setFile(null);
  }

  async function start() {
    if (!file || running) return;
    setError(null);
    const state: RunView = { phase: 'starting', steps: [] };
    setRun({ ...state });
    // Tokens arrive faster than frames; the view is published at most once a frame.
    const publish = () => {
      frame.current = 0;
      setRun({ ...state, steps: state.steps.map((s) => ({ ...s })) });
    };
    const schedule = () => {
      if (!frame.current) frame.current = requestAnimationFrame(publish);
    };
    let artifactId: string;
    try {
      artifactId = (await storeArtifact(file, file.name)).id;
    } catch (failure) {
      state.phase = 'failed';
      publish();
      setError(asApiError(failure));
      return;
    }
    const steps = preset.steps.map((step) => (step.task === 'GENERATE' && template !== undefined ? { ...step, template } : step));
    const input: RunPipelineInput = { inputs: { [preset.input]: { artifactId } }, steps };
    const finish = () => {
      stopRef.current = null;
      cancelAnimationFrame(frame.current);
      publish();
    };
    stopRef.current = subscribe(RunPipeline, { input }, {
      next({ runPipeline: event }) {
        const at = event.__typename === 'PipelineFailed' ? event.failedStep : 'step' in event ? event.step : null;
        const step = at != null ? state.steps[at] : undefined;
        switch (event.__typename) {
          case 'PipelineStarted':
            state.phase = 'running';
            state.requestId = event.requestId;
            state.steps = event.steps.map((s) => ({ index: s.index, task: s.task, model: s.model, output: s.output, phase: 'pending', text: '', segments: [] }));
            break;
          case 'PipelineStepStarted':
            if (step) Object.assign(step, { phase: 'running', requestId: event.requestId, model: event.model, startedAt: performance.now() });
            break;
          case 'PipelineToken':
            if (step) step.text += event.text;
            break;
          case 'PipelineStepSegment':
            step?.segments.push({ start: event.start, end: event.end, text: event.text });
            break;
          case 'PipelineStepCompleted':
            if (step) {
              step.phase = 'completed';
              step.elapsedMs = step.startedAt != null ? performance.now() - step.startedAt : undefined;
              if (event.output.text != null) step.text = event.output.text;
              if (event.output.segments) step.segments = [...event.output.segments];
            }
            break;
          case 'PipelineCompleted':
            state.phase = 'completed';
            state.output = event.output.text;
            break;
          case 'PipelineFailed':
            state.phase = 'failed';
            if (step) Object.assign(step, { phase: event.status === 'CANCELLED' ? 'cancelled' : 'failed', error: event.error });
            setError(new ApiError(event.error.code, event.error.message));
            break;
        }
        schedule();
      },
      error(failure) {
        state.phase = 'failed';
        finish();
        setError(failure);
      },
      complete: finish,
    });
  }

  function stop() {
    stopRef.current?.();
    stopRef.current = null;
    setRun((current) => current && { ...current, phase: 'failed' });
    setError(new ApiError('CANCELLED', 'Stopped; the server records the pipeline as cancelled.'));
  }

  return (
    <section class="page" aria-labelledby="pipelines-title">
      <h1 id="pipelines-title">Pipelines</h1>
      <form
        class="panel"
        onSubmit={(event) => {
          event.preventDefault();
          void start();
        }}
      >
        <fieldset class="chat">
          <legend>Preset</legend>
          {PRESETS.map((p) => (
            <label key={p.id} class="field inline">
              <input type="radio" name="preset" value={p.id} checked={p.id === presetId} disabled={running} onChange={() => pick(p.id)} />
              <span>
                {p.label} <span class="muted small">({p.steps.map((s) => taskName(s.task)).join(' → ')})</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div class="row">
          <DropZone accept={preset.accept} label={preset.input === 'audio' ? 'Choose audio' : 'Choose an image'} disabled={running} onFile={setFile} />
          {file && (
            <span class="muted small">
              {file.name} · {bytes(file.size)}
            </span>
          )}
        </div>
        {generate && (
          <label class="field">
            <span>Prompt template ({'{{input}}'} is the previous step's text)</span>
            <textarea name="template" rows={3} value={template ?? generate.template ?? '{{input}}'} onInput={(e) => setTemplate(e.currentTarget.value)} />
          </label>
        )}
        <div class="actions">
          <button type="submit" disabled={!file || running}>
            Run pipeline
          </button>
          <button type="button" class="danger" disabled={!running} onClick={stop}>
            Stop
          </button>
          {running && <span class="spinner" role="status">Running…</span>}
        </div>
      </form>

      <ErrorBox error={error} />

      {run && run.steps.length > 0 && (
        <div class="panel">
          <p class="muted summary" data-testid="pipeline-summary" data-phase={run.phase}>
            {run.phase} · {run.steps.filter((s) => s.phase === 'completed').length} of {run.steps.length} steps
            {run.requestId && (
              <>
                {' '}
                · <Link href={`/requests/${run.requestId}`}>request {shortId(run.requestId)}</Link>
              </>
            )}
          </p>
          <ol class="steps" aria-label="Steps">
            {run.steps.map((step) => (
              <li key={step.index} class={`step step-${step.phase}`} data-step={step.index} data-phase={step.phase}>
                <div class="step-head">
                  <strong>
                    {step.index + 1}. {taskName(step.task)}
                  </strong>
                  <span class="muted small">{step.model}</span>
                  <StatusBadge status={step.phase.toUpperCase()} />
                  {step.elapsedMs != null && <span class="muted small">{ms(step.elapsedMs)}</span>}
                  {step.requestId && (
                    <Link class="small" href={`/requests/${step.requestId}`}>
                      request {shortId(step.requestId)}
                    </Link>
                  )}
                </div>
                {step.error && <ErrorBox error={step.error} />}
                {step.segments.length > 0 && <TimedSegments segments={step.segments} />}
                {step.text !== '' && step.segments.every((s) => !s.text) && (
                  <pre class="text-block step-output" aria-label={`Step ${step.index + 1} output`}>
                    {step.text}
                  </pre>
                )}
              </li>
            ))}
          </ol>
          {run.phase === 'completed' && run.output != null && (
            <>
              <h2>Output</h2>
              <pre class="text-block" data-testid="pipeline-output">
                {run.output}
              </pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
