import { ErrorBox } from '../../components/error-box';
import { RequestLink } from '../../components/request-link';
import { StatusBadge } from '../../components/status-badge';
import { TimedSegments } from '../../components/timed-segments';
import { ms, taskName } from '../../lib/format';
import type { StepView } from './pipeline-view';

/** Each step: task, model, status, time, its request, then its streamed or final output. */
export function StepList({ steps }: { steps: readonly StepView[] }) {
  return (
    <ol class="steps" aria-label="Steps">
      {steps.map((step) => (
        <li key={step.index} class={`step step-${step.phase}`} data-step={step.index} data-phase={step.phase}>
          <div class="step-head">
            <strong>
              {step.index + 1}. {taskName(step.task)}
            </strong>
            <span class="muted small">{step.model}</span>
            <StatusBadge status={step.phase.toUpperCase()} />
            {step.elapsedMs != null && <span class="muted small">{ms(step.elapsedMs)}</span>}
            {step.requestId && <RequestLink class="small" id={step.requestId} />}
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
  );
}
