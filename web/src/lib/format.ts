export function ms(value: number | null | undefined): string {
  if (value == null) return '—';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return `${Math.round(value)} ms`;
}

export function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}

export function rate(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '—' : `${value.toFixed(1)} tok/s`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function between(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  return Date.parse(to) - Date.parse(from);
}

export function truncate(text: string | null | undefined, length: number): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

export function bytes(value: number): string {
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

/** Request ids are UUIDv7, whose leading digits are a timestamp shared by neighbours; the tail tells them apart. */
export function shortId(id: string): string {
  return id.replace(/-/g, '').slice(-8);
}

export function taskName(task: string): string {
  return task.toLowerCase().replace(/_/g, ' ');
}
