import type { ComponentChildren } from 'preact';

/** One labelled figure in a stats row; `name` is the hook tests and styles use. */
export function Stat({ label, value, name }: { label: string; value: ComponentChildren; name?: string }) {
  return (
    <div class="stat" data-stat={name}>
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value}</span>
    </div>
  );
}
