import { formatTable } from '../common/table-text.js';
/** The only writer of results: stdout for data, and the --json form of every listing. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(text = ''): void {
  process.stdout.write(text + '\n');
}

/** A plain aligned table; columns are given in order. */
export function printTable(rows: Record<string, string | number>[], columns: string[]): void {
  process.stdout.write(formatTable(rows, columns));
}

/** gobox's own messages on stderr, one line each. */
export function printNotice(text: string): void {
  process.stderr.write(`gobox: ${text}\n`);
}
