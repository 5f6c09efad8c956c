/** A plain aligned table as text, columns in order; upper-case headers. Empty rows: no text. */
export function formatTable(rows: readonly Record<string, string | number>[], columns: readonly string[]): string {
  if (rows.length === 0) return '';
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...rows.map((r) => fmt(columns.map((c) => String(r[c] ?? ''))))].join('\n') + '\n';
}
