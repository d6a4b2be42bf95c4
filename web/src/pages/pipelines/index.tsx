import { useState } from 'preact/hooks';
import { ApiError } from '../../api';
import type { RunPipelineInput } from '../../gql/graphql';
import { DropZone } from '../../components/drop-zone';
import { ArtifactAudio } from '../../components/artifact-audio';
import { ErrorBox } from '../../components/error-box';
import { FileFacts } from '../../components/file-facts';
import { SummaryRequest } from '../../components/request-link';
import { storeArtifact } from '../../lib/artifacts';
import { useStream } from '../../lib/use-stream';
import { taskName } from '../../lib/format';
import { RunPipeline } from './documents';
import { copyPipeline, foldPipeline, phaseOf, type PipelineView } from './pipeline-view';
import { PRESETS } from './presets';
import { StepList } from './step-list';

export function PipelinesPage() {
  const [presetId, setPresetId] = useState(PRESETS[0].id);
  const [file, setFile] = useState<File | null>(null);
  const [template, setTemplate] = useState<string | undefined>(undefined);
  // Tokens arrive faster than frames; the view is published at most once a frame.
  const run = useStream(RunPipeline, (view: PipelineView, { runPipeline: event }, control) => foldPipeline(view, event, control), {
    copy: copyPipeline,
    perFrame: true,
  });

  const preset = PRESETS.find((p) => p.id === presetId)!;
  const generate = preset.steps.find((s) => s.task === 'GENERATE');
  const phase = run.view && phaseOf(run.view, run.status);
  const running = phase === 'starting' || phase === 'running';

  function pick(id: string) {
    setPresetId(id);
    setTemplate(undefined);
    if (PRESETS.find((p) => p.id === id)?.input !== preset.input) setFile(null);
  }

  function start() {
    if (!file || running) return;
    const steps = preset.steps.map((step) => (step.task === 'GENERATE' && template !== undefined ? { ...step, template } : step));
    void run.start({ phase: 'starting', steps: [] }, async () => {
      const input: RunPipelineInput = { inputs: { [preset.input]: { artifactId: (await storeArtifact(file, file.name)).id } }, steps };
      return { input };
    });
  }

  const stop = () => run.stop(new ApiError('CANCELLED', 'Stopped; the server records the pipeline as cancelled.'));
  const view = run.view;

  return (
    <section class="page" aria-labelledby="pipelines-title">
      <h1 id="pipelines-title">Pipelines</h1>
      <form
        class="panel"
        onSubmit={(event) => {
          event.preventDefault();
          start();
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
          {file && <FileFacts name={file.name} size={file.size} class="muted small" />}
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

      <ErrorBox error={run.error} />

      {view && view.steps.length > 0 && (
        <div class="panel">
          <p class="muted summary" data-testid="pipeline-summary" data-phase={phase}>
            {phase} · {view.steps.filter((s) => s.phase === 'completed').length} of {view.steps.length} steps
            <SummaryRequest id={view.requestId} />
          </p>
          <StepList steps={view.steps} />
          {phase === 'completed' && view.outputAudioUrl && (
            <>
              <h2>Output</h2>
              <ArtifactAudio url={view.outputAudioUrl} label="The pipeline's spoken output" />
            </>
          )}
          {phase === 'completed' && view.output != null && (
            <>
              <h2>Output</h2>
              <pre class="text-block" data-testid="pipeline-output">
                {view.output}
              </pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
