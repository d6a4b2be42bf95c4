import type { GenerateInput } from '../../gql/graphql';

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

/** The sampling controls as typed: an empty field means the server's default. */
export interface Sampling {
  params: Record<FieldKey, string>;
  stops: string;
}

export const INITIAL_SAMPLING: Sampling = {
  params: { maxTokens: '64', temperature: '', topK: '', topP: '', minP: '', repetitionPenalty: '', seed: '' },
  stops: '',
};

const number = (text: string) => (text.trim() === '' ? undefined : Number(text));

/** The filled-in controls as GenerateInput fields. */
export function samplingInput({ params, stops }: Sampling): Partial<GenerateInput> {
  const value: Partial<GenerateInput> = {};
  for (const field of FIELDS) {
    const parsed = number(params[field.key]);
    if (parsed !== undefined) value[field.key] = parsed;
  }
  const stop = stops.split('\n').filter((line) => line !== '');
  if (stop.length) value.stop = stop.map((line) => line.replace(/\\n/g, '\n'));
  return value;
}

export function SamplingFields({ value, onChange }: { value: Sampling; onChange(next: Sampling): void }) {
  return (
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
              value={value.params[field.key]}
              onInput={(e) => onChange({ ...value, params: { ...value.params, [field.key]: e.currentTarget.value } })}
            />
          </label>
        ))}
        <label class="field wide">
          <span>Stop strings, one per line (\n for a newline)</span>
          <textarea rows={2} name="stop" value={value.stops} onInput={(e) => onChange({ ...value, stops: e.currentTarget.value })} />
        </label>
      </div>
    </details>
  );
}
