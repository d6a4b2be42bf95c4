/** The History filters: read from the address, edited in a form, applied by navigating. */
import type { RequestFilter, RequestStatus, Task } from '../../gql/graphql';

const TASKS: Task[] = [
  'TEXT_GENERATION',
  'OCR',
  'VAD',
  'SPEECH_RECOGNITION',
  'ZERO_SHOT_IMAGE_CLASSIFICATION',
  'IMAGE_CLASSIFICATION',
  'IMAGE_CAPTIONING',
  'TEXT_EMBEDDING',
  'PIPELINE',
  'TENSOR',
];
const STATUSES: RequestStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
export const FILTER_KEYS = ['task', 'model', 'status', 'since', 'until', 'text'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** datetime-local values are local times without a zone; the server wants an instant. */
const instant = (local: string | null) => (local ? new Date(local).toISOString() : undefined);

export function filterOf(query: URLSearchParams): RequestFilter {
  return {
    task: (query.get('task') as Task | null) ?? undefined,
    model: query.get('model') ?? undefined,
    status: (query.get('status') as RequestStatus | null) ?? undefined,
    since: instant(query.get('since')),
    until: instant(query.get('until')),
    text: query.get('text') ?? undefined,
  };
}

/** The filter fields, uncontrolled and filled from the address; the form is re-keyed per URL. */
export function FilterFields({ query, models }: { query: URLSearchParams; models: readonly string[] }) {
  const value = (name: FilterKey) => query.get(name) ?? '';
  return (
    <>
      <Choice label="Task" name="task" current={value('task')} options={TASKS} />
      <Choice label="Model" name="model" current={value('model')} options={[...new Set([...models, ...(value('model') ? [value('model')] : [])])]} />
      <Choice label="Status" name="status" current={value('status')} options={STATUSES} />
      <label class="field">
        <span>Since</span>
        <input type="datetime-local" name="since" defaultValue={value('since')} />
      </label>
      <label class="field">
        <span>Until</span>
        <input type="datetime-local" name="until" defaultValue={value('until')} />
      </label>
      <label class="field">
        <span>Text</span>
        <input type="search" name="text" defaultValue={value('text')} placeholder="in input or output" />
      </label>
    </>
  );
}

/** Uncontrolled, so a choice stays until the form is applied. */
function Choice({ label, name, current, options }: { label: string; name: FilterKey; current: string; options: readonly string[] }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select name={name}>
        <option value="" selected={current === ''}>
          any
        </option>
        {options.map((option) => (
          <option key={option} value={option} selected={current === option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}
