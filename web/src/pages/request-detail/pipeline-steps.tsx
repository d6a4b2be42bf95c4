import { RequestLink } from '../../components/request-link';
import { StatusBadge } from '../../components/status-badge';
import { TimedSegments } from '../../components/timed-segments';
import { taskName } from '../../lib/format';

export interface StepSummary {
  index: number;
  /** The pipeline step's task, or the child request's own task while the pipeline runs. */
  task: string;
  model: string;
  requestId?: string | null;
  status: string;
  output?: { text?: string | null; segments?: readonly { start: number; end: number; text?: string | null }[] | null } | null;
}

export function PipelineSteps({ steps }: { steps: readonly StepSummary[] }) {
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
            {step.requestId && <RequestLink class="small" id={step.requestId} />}
          </div>
          {step.output?.segments?.length ? <TimedSegments segments={step.output.segments} /> : null}
          {step.output?.text != null && !step.output.segments?.some((s) => s.text) && <pre class="text-block">{step.output.text}</pre>}
        </li>
      ))}
    </ol>
  );
}
