/**
 * A strict RFC 4180 reader for rosters. Hand-written (about 60 lines) rather than a dependency
 * because roster problems must name the line a record starts on, also when a quoted field spans
 * lines, and a broken record must cost only that record, not the whole class.
 */

export type CsvRecord =
  | { line: number; fields: string[] }
  | { line: number; error: string };

/** Thrown for damage no later record survives (a quote never closed swallows the rest of the file). */
export class CsvSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/** Records with the line each starts on; a UTF-8 BOM, CRLF and blank lines are tolerated. */
export function readCsv(text: string): CsvRecord[] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  while (i < s.length) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        i++;
        for (;;) {
          if (i >= s.length) throw new CsvSyntaxError(start, 'a quoted field is never closed (missing ")');
          const c = s[i]!;
          if (c === '"' && s[i + 1] === '"') { field += '"'; i += 2; continue; }
          if (c === '"') { i++; break; }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < s.length && !isEnd(s, i) && s[i] !== ',') error ??= `text after a closing quote in field ${fields.length + 1}`;
      }
      while (i < s.length && s[i] !== ',' && !isEnd(s, i)) {
        if (s[i] === '"') error ??= `a quote inside unquoted field ${fields.length + 1} (quote the whole field and double the quote)`;
        field += s[i];
        i++;
      }
      fields.push(field);
      if (s[i] === ',') { i++; continue; }
      break;
    }
    // End of record: CRLF, LF, or end of text.
    if (s[i] === '\r') i++;
    if (s[i] === '\n') i++;
    line++;
    if (error) out.push({ line: start, error });
    else if (!(fields.length === 1 && fields[0] === '')) out.push({ line: start, fields });
  }
  return out;
}

function isEnd(s: string, i: number): boolean {
  return s[i] === '\n' || (s[i] === '\r' && (s[i + 1] === '\n' || i + 1 === s.length));
}

/** One field as RFC 4180 writes it: quoted only when it must be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
