import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../common/errors.js';
import { formatProblem, parseRoster } from './roster.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/class');
const H = 'id,user,name,email,dir\n';
const F = 'roster.csv';

function fatal(text: string): string {
  try {
    parseRoster(F, text);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).hint).toBeTruthy();
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

const lines = (text: string): string[] => parseRoster(F, text).problems.map(formatProblem);

describe('parseRoster', () => {
  it.each(['roster-excel.csv', 'roster-unix.csv'])('reads a spreadsheet export (%s)', (name) => {
    const { rows, problems } = parseRoster(name, readFileSync(path.join(FIXTURES, name), 'utf8'));
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { line: 2, id: 's01', user: 'alice', name: 'Ada Lovelace', email: 'ada@example.edu', dir: '/home/alice/go101' },
      { line: 3, id: 's02', user: '', name: 'Brian "Bri" Kernighan', email: 'bwk@example.edu', dir: '/srv/submissions/s02' },
      { line: 4, id: 's03', user: 'carol', name: 'Smith, Carol', email: 'carol@example.edu', dir: '/home/carol/go101' },
      { line: 5, id: 's04', user: 'dave', name: 'Dave\nTwo Lines', email: '', dir: '/home/dave/go101' },
    ]);
  });

  it('refuses an empty roster', () => {
    expect(fatal('')).toBe('roster.csv: empty roster (no header, no students)');
    expect(fatal('\uFEFF\r\n\n')).toBe('roster.csv: empty roster (no header, no students)');
  });

  it('refuses a roster with only its header', () => {
    expect(fatal(H)).toBe('roster.csv: no students (the roster has only its header)');
    expect(fatal('\uFEFFid,user,name,email,dir\r\n')).toContain('no students');
  });

  it('refuses a wrong header, naming what it found', () => {
    expect(fatal('id,name,email,dir\ns1,a,b,/x\n')).toBe('roster.csv:1: the header must be exactly "id,user,name,email,dir", found "id,name,email,dir"');
    expect(fatal('ID,User,Name,Email,Dir\n')).toContain('found "ID,User,Name,Email,Dir"');
  });

  it('refuses malformed CSV that swallows the rest of the file', () => {
    expect(fatal(`${H}s1,alice,"Ada,a@b.cd,/home/alice\ns2,bob,Bob,b@b.cd,/home/bob\n`)).toBe('roster.csv:2: not valid CSV: a quoted field is never closed (missing ")');
  });

  it('gives one line per bad row and keeps every good one', () => {
    const text = [
      H.trim(),
      ',alice,Ada,ada@x.edu,/home/alice/p',
      's2,bob,Bob,not-an-email,/home/bob/p',
      's3,carol,Carol,c@x.edu,',
      's4,dave,Dave,d@x.edu,go101',
      's5,erin,Erin,e@x.edu,/home/erin/../frank',
      's6,Bad User,F,f@x.edu,/home/f',
      's7,gina,Gina,g@x.edu',
      's8,hal,H"al,h@x.edu,/home/hal',
      '../s9,ian,Ian,i@x.edu,/home/ian',
      's10,jo,Jo,j@x.edu,/home/jo/p/',
      '  s11 , kim ,Kim, k@x.edu , /home/kim/p ',
    ].join('\n');
    const { rows, problems } = parseRoster(F, text);
    expect(problems.map(formatProblem)).toEqual([
      'roster.csv:2: id: empty id',
      'roster.csv:3: student s2: email: expected an email address such as ada@example.edu, or nothing',
      'roster.csv:4: student s3: dir: missing dir (the student\'s project directory)',
      'roster.csv:5: student s4: dir: expected an absolute path, not a relative one',
      'roster.csv:6: student s5: dir: expected a path without "." or ".." segments',
      'roster.csv:7: student s6: user: expected a unix user name, or nothing for a submission without an account',
      'roster.csv:8: row: expected 5 fields (id,user,name,email,dir), found 4',
      'roster.csv:9: row: not valid CSV: a quote inside unquoted field 3 (quote the whole field and double the quote)',
      'roster.csv:10: id: expected an id of letters, digits and . _ @ + - (at most 64), starting with a letter or digit',
    ]);
    expect(problems.every((p) => !formatProblem(p).includes('\n'))).toBe(true);
    expect(rows.map((r) => [r.id, r.user, r.dir])).toEqual([['s10', 'jo', '/home/jo/p/'], ['s11', 'kim', '/home/kim/p']]);
  });

  it('leaves out every line of a duplicated id, each naming the others', () => {
    const { rows, problems } = parseRoster(F, `${H}s1,a,A,,/h/a\ns2,b,B,,/h/b\ns1,c,C,,/h/c\ns1,d,D,,/h/d\n`);
    expect(rows.map((r) => r.id)).toEqual(['s2']);
    expect(problems.map(formatProblem)).toEqual([
      'roster.csv:2: student s1: id: duplicate id (also on line 4, 5)',
      'roster.csv:4: student s1: id: duplicate id (also on line 2, 5)',
      'roster.csv:5: student s1: id: duplicate id (also on line 2, 4)',
    ]);
  });

  it('names the line a record starts on after a multi-line field', () => {
    expect(lines(`${H}s1,a,"two\nlines",,/h/a\ns2,b,B,bad,/h/b\n`)).toEqual(['roster.csv:4: student s2: email: expected an email address such as ada@example.edu, or nothing']);
  });
});
