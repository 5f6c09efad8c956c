/** The only writer of results: stdout for data, and the --json form of every listing. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(text = ''): void {
  process.stdout.write(text + '\n');
}

/** A plain aligned table; columns are given in order. */
export function printTable(rows: Record<string, string | number>[], columns: string[]): void {
  if (rows.length === 0) return;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  printLine(fmt(columns.map((c) => c.toUpperCase())));
  for (const r of rows) printLine(fmt(columns.map((c) => String(r[c] ?? ''))));
}

/** gobox's own messages on stderr, one line each. */
export function printNotice(text: string): void {
  process.stderr.write(`gobox: ${text}\n`);
}
