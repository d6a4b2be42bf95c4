interface Props {
  models: readonly { name: string; status?: string }[];
  value: string;
  onChange(name: string): void;
  /** The choice that lets the server pick; omitted where a listed model is always chosen. */
  defaultOption?: boolean;
  name?: string;
}

/** A model picker that marks the models not loaded yet. */
export function ModelSelect({ models, value, onChange, defaultOption = true, name }: Props) {
  return (
    <label class="field">
      <span>Model</span>
      <select name={name} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {(defaultOption || models.length === 0) && <option value="">default</option>}
        {models.map((m) => (
          <option key={m.name} value={m.name}>
            {m.name}
            {m.status === undefined || m.status === 'READY' ? '' : ` (${m.status.toLowerCase()})`}
          </option>
        ))}
      </select>
    </label>
  );
}
