import { bytes } from '../lib/format';

/** "photo.png · 12.3 KiB" for a chosen file. */
export function FileFacts({ name, size, class: className = 'muted' }: { name: string; size: number; class?: string }) {
  return (
    <span class={className}>
      {name} · {bytes(size)}
    </span>
  );
}
