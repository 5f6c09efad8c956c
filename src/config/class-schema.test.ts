import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../common/temp-tree.test-util.js';
import { ConfigError } from '../common/errors.js';
import { classConfigSchema, loadClassConfig, parseClassConfig } from './class-schema.js';

const F = '/srv/classes/go101/class.yaml';
const fail = (text: string): string => {
  try {
    parseClassConfig(F, text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('class config', () => {
  it('fills the defaults a teacher leaves out', () => {
    const c = parseClassConfig(F, 'name: go101\nroster: /srv/go101/roster.csv\n');
    expect(c).toEqual({ name: 'go101', roster: '/srv/go101/roster.csv', profile: 'classroom', timeout: '2m', network: 'none', points: [] });
  });

  it('reads every field', () => {
    const c = parseClassConfig(F, [
      'name: go-101_b', 'profile: exam', 'roster: r.csv', 'tests: /srv/hidden', 'jobs: 3', 'timeout: 90s', 'network: proxy',
      'gradingUser: {uid: 2000, gid: 2000}', 'points:', '  - {test: TestAdd, points: 2}', '  - {test: TestParse/neg*, points: 0.5}',
    ].join('\n'));
    expect(c.jobs).toBe(3);
    expect(c.network).toBe('proxy');
    expect(c.gradingUser).toEqual({ uid: 2000, gid: 2000 });
    expect(c.points).toEqual([{ test: 'TestAdd', points: 2 }, { test: 'TestParse/neg*', points: 0.5 }]);
  });

  it.each([
    ['name: Go101\nroster: r', 'name: expected a class name'],
    ['name: ../x\nroster: r', 'name: expected a class name'],
    ['name: .tmp-x\nroster: r', 'name: expected a class name'],
    ['name: a\n', 'roster:'],
    ['name: a\nroster: r\njobs: 0', 'jobs: expected at least 1 job'],
    ['name: a\nroster: r\njobs: 1.5', 'jobs: expected a whole number of jobs'],
    ['name: a\nroster: r\njobs: 5000', 'jobs: expected at most 1024 jobs'],
    ['name: a\nroster: r\ntimeout: 0', 'timeout: expected a per-student limit above 0'],
    ['name: a\nroster: r\ntimeout: soon', 'timeout: expected a duration'],
    ['name: a\nroster: r\nnetwork: bridge', 'network:'],
    ['name: a\nroster: r\ntests: hidden', 'tests: expected an absolute path'],
    ['name: a\nroster: r\ngradingUser: {uid: 0, gid: 0}', 'gradingUser.uid: expected a uid/gid above 0'],
    ['name: a\nroster: r\npoints:\n  - {test: TestA, points: -1}', 'points.0.points: expected points of 0 or more'],
    ['name: a\nroster: r\npoints:\n  - {test: TestA, points: 1}\n  - {test: "", points: 1}', 'points.1.test: expected a test name'],
    ['name: a\nroster: r\npoints:\n  - {test: Test A, points: 1}', 'points.0.test: expected a test name without spaces'],
    ['name: a\nroster: r\npoints:\n  - {test: TestA}', 'points.0.points:'],
    ['name: a\nroster: r\ngrader: x', 'grader'],
  ])('names file and field for %j', (text, expected) => {
    const msg = fail(text);
    expect(msg.startsWith(`${F}: `)).toBe(true);
    expect(msg).toContain(expected);
    expect(msg).not.toContain('\n');
  });

  it('round-trips what parse produced', () => {
    const c = classConfigSchema.parse({ name: 'x', roster: '/r.csv', points: [{ test: 'T*', points: 3 }] });
    expect(classConfigSchema.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });
});

describe('loadClassConfig', () => {
  const temp = useTempTree('gobox-class-cfg-');

  it('reads a file and names it and the line of bad YAML', async () => {
    const good = path.join(temp.dir(), 'class.yaml');
    await writeFile(good, 'name: go101\nroster: /r.csv\njobs: 2\n');
    expect((await loadClassConfig(good)).jobs).toBe(2);
    const bad = path.join(temp.dir(), 'bad.yaml');
    await writeFile(bad, 'name: go101\npoints: [\n');
    await expect(loadClassConfig(bad)).rejects.toThrow(new RegExp(`^${bad}:\\d+: not valid YAML`));
    await expect(loadClassConfig(path.join(temp.dir(), 'none.yaml'))).rejects.toThrow(/none\.yaml: cannot read/);
  });
});
