import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, csvField, readCsv } from './csv.js';

describe('readCsv', () => {
  it('reads RFC 4180 quoting and keeps the line each record starts on', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\r\n"two\nlines",z\r\nlast,"",\r\n';
    expect(readCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['two\nlines', 'z'] },
      { line: 5, fields: ['last', '', ''] },
    ]);
  });

  it('drops a BOM, tolerates a missing final newline and skips blank lines', () => {
    expect(readCsv('\uFEFFa,b\n\n\r\nc,d')).toEqual([{ line: 1, fields: ['a', 'b'] }, { line: 4, fields: ['c', 'd'] }]);
    expect(readCsv('')).toEqual([]);
  });

  it('costs a damaged record only that record', () => {
    expect(readCsv('a,b"c\n"x"y,z\nok,1\n')).toEqual([
      { line: 1, error: 'a quote inside unquoted field 2 (quote the whole field and double the quote)' },
      { line: 2, error: 'text after a closing quote in field 1' },
      { line: 3, fields: ['ok', '1'] },
    ]);
  });

  it('throws for a quote that never closes, naming the line it opened on', () => {
    let err: unknown;
    try {
      readCsv('a,b\nc,"open\nmore\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsvSyntaxError);
    expect((err as CsvSyntaxError).line).toBe(2);
  });

  it('reads back what csvField writes', () => {
    const values = ['plain', 'a,b', 'q"uote', 'multi\r\nline', ''];
    expect(readCsv(values.map(csvField).join(',') + '\r\n')).toEqual([{ line: 1, fields: values }]);
  });
});
