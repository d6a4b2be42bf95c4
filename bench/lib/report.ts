/**
 * What a suite hands back: tables, the issue targets it checked, and notes. Rendered as
 * aligned text for the terminal and as markdown for bench/results/.
 */

export type Cell = string | number;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

export interface Target {
  /** The goal as the issue states it. */
  goal: string;
  /** What was measured, with the figures it rests on. */
  measured: string;
  /** null: could not be measured in this run (the note says why). */
  met: boolean | null;
}

export interface SuiteReport {
  suite: string;
  title: string;
  /** How the numbers were produced: settings, N, what each variant includes. */
  setup: string[];
  tables: Table[];
  targets: Target[];
  notes: string[];
  seconds: number;
}

/** Fixed decimals for ratios and times; integers stay integers. */
export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

export const ratio = (value: number) => (Number.isFinite(value) ? `${fmt(value, 2)}×` : '—');
export const percent = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${fmt(value * 100, 1)}%` : '—');

/** Numbers, ratios, percentages, '—' (not measured) and '' line up on the right. */
const isNumeric = (cell: Cell) => typeof cell === 'number' || cell === '' || cell === '—' || /^[-+]?[\d.,]+\s*(×|%|ms)?$/.test(cell);

function cellText(cell: Cell): string {
  return typeof cell === 'number' ? String(cell) : cell;
}

export function renderText(table: Table): string {
  const text = table.rows.map((row) => row.map(cellText));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...text.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[], rightAlign: boolean[]) =>
    cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const numericColumn = table.columns.map((_, i) => i > 0 && table.rows.every((row) => row[i] === undefined || isNumeric(row[i])));
  return [
    table.title,
    line(table.columns, numericColumn),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((row) => line(row, numericColumn)),
  ].join('\n');
}

export function renderMarkdown(table: Table): string {
  const numericColumn = table.columns.map((_, i) => i > 0 && table.rows.every((row) => row[i] === undefined || isNumeric(row[i])));
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `**${table.title}**`,
    '',
    `| ${table.columns.map(escape).join(' | ')} |`,
    `|${numericColumn.map((n) => (n ? '---:' : ':---')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map((c) => escape(cellText(c))).join(' | ')} |`),
  ].join('\n');
}

export const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'NOT met');

export function targetsTable(targets: Target[]): Table {
  return { title: 'Targets', columns: ['target', 'measured', 'result'], rows: targets.map((t) => [t.goal, t.measured, verdict(t.met)]) };
}

export function printSuite(report: SuiteReport, log: (line: string) => void = console.log): void {
  log('');
  for (const table of report.tables) log(`${renderText(table)}\n`);
  if (report.targets.length > 0) log(`${renderText(targetsTable(report.targets))}\n`);
  for (const note of report.notes) log(`note: ${note}`);
}

export function suiteMarkdown(report: SuiteReport): string {
  const parts = [`## ${report.title}`, '', ...report.setup.map((s) => `- ${s}`), ''];
  for (const table of report.tables) parts.push(renderMarkdown(table), '');
  if (report.targets.length > 0) parts.push(renderMarkdown(targetsTable(report.targets)), '');
  for (const note of report.notes) parts.push(`> ${note}`, '');
  parts.push(`_Suite time: ${fmt(report.seconds, 0)} s._`, '');
  return parts.join('\n');
}
