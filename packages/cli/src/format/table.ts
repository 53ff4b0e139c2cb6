import { visibleWidth } from './style.js';

/** A plain text table: left-aligned text, right-aligned numbers, two spaces between columns. */
export function renderTable(header: string[], rows: string[][], numeric: boolean[] = []): string {
  const widths = header.map((cell, index) => Math.max(visibleWidth(cell), ...rows.map((row) => visibleWidth(row[index] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => {
        const pad = ' '.repeat(Math.max(0, (widths[index] ?? 0) - visibleWidth(cell)));
        return numeric[index] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Milliseconds → "850 ms" / "3.2 s" / "2 min 05 s". */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  const minutes = Math.floor(milliseconds / 60_000);
  const seconds = Math.round((milliseconds % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}
