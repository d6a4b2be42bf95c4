import { useState } from 'preact/hooks';

interface Props {
  accept: string;
  label: string;
  disabled?: boolean;
  onFile(file: File): void;
}

/** A file input that also takes a dropped file; the input stays focusable for the keyboard. */
export function DropZone({ accept, label, disabled, onFile }: Props) {
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
        const file = event.dataTransfer?.files[0];
        if (file && !disabled) onFile(file);
      }}
    >
      <input
        type="file"
        class="visually-hidden"
        accept={accept}
        disabled={disabled}
        onChange={(event) => {
          const input = event.currentTarget;
          const file = input.files?.[0];
          // Cleared so choosing the same file again still fires change.
          input.value = '';
          if (file) onFile(file);
        }}
      />
      <span class="drop-label">{label}</span>
      <span class="muted">or drop a file here</span>
    </label>
  );
}
