import { useState } from 'preact/hooks';

interface Props {
  accept: string;
  label: string;
  disabled?: boolean;
  /** Several files at once; onFile is called for each. */
  multiple?: boolean;
  onFile(file: File): void;
}

/** A file input that also takes a dropped file; the input stays focusable for the keyboard. */
export function DropZone({ accept, label, disabled, multiple, onFile }: Props) {
  const [over, setOver] = useState(false);
  return (
    <label
      class={`drop${over ? ' drop-over' : ''}${disabled ? ' drop-disabled' : ''}`}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        if (disabled) return;
        const files = [...(event.dataTransfer?.files ?? [])];
        for (const file of multiple ? files : files.slice(0, 1)) onFile(file);
      }}
    >
      <input
        type="file"
        class="visually-hidden"
        accept={accept}
        disabled={disabled}
        multiple={multiple}
        onChange={(event) => {
          const input = event.currentTarget;
          const files = [...(input.files ?? [])];
          // Cleared so choosing the same file again still fires change.
          input.value = '';
          files.forEach(onFile);
        }}
      />
      <span class="drop-label">{label}</span>
      <span class="muted">or drop {multiple ? 'files' : 'a file'} here</span>
    </label>
  );
}
