import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../../common/temp-tree.test-util.js';
import { ConfigError, ConflictError, NotFoundError } from '../../common/errors.js';
import { parseClassConfig } from '../../config/class-schema.js';
import { readClassDir, writeClassDir } from './class-store.js';
import { planClassInit } from './init.js';
import { classPaths, classesDir, newRunId, runPaths } from './layout.js';
import type { RosterHost } from './roster-checks.js';
import { parseRoster } from './roster.js';

const ROSTER = 'id,user,name,email,dir\r\ns1,alice,"Ada, L.",ada@x.edu,/h/a\r\ns2,ghost,G,,/h/g\r\n';
const host: RosterHost = {
  lookupUser: async (n) => (n === 'alice' ? { name: 'alice', uid: 2001, gid: 2001 } : undefined),
  probeDir: async (dir) => ({ kind: 'dir', real: dir, ownerUid: 2001, readable: true }),
};
const plan = (over: { rosterText?: string; jobs?: number } = {}) => planClassInit({ name: 'go101', rosterFile: '/t/roster.csv', rosterText: ROSTER, ...over }, host);

const temp = useTempTree('gobox-class-store-');

describe('writeClassDir', () => {
  it('writes a class that reads back the same, owner-only', async () => {
    const p = await plan({ jobs: 3 });
    const paths = await writeClassDir(temp.dir(), p, { now: new Date('2026-12-02T03:00:00Z') });
    expect(paths).toEqual(classPaths(temp.dir(), 'go101'));
    expect((await readdir(paths.dir)).sort()).toEqual(['class.yaml', 'roster.csv', 'runs', 'students.json']);
    expect((await stat(paths.dir)).mode & 0o777).toBe(0o700);
    expect(await readFile(paths.roster, 'utf8')).toBe(ROSTER);
    // The YAML is a real class config: parsed back by the schema every reader uses.
    expect(parseClassConfig(paths.config, await readFile(paths.config, 'utf8'))).toEqual(p.config);
    // The roster copy parses back to the students that were checked.
    expect(parseRoster(paths.roster, await readFile(paths.roster, 'utf8')).rows.map((r) => r.id)).toEqual(['s1', 's2']);

    const stored = await readClassDir(temp.dir(), 'go101');
    expect(stored.config).toEqual(p.config);
    expect(stored.rosterFile).toBe(paths.roster);
    expect(stored.students).toEqual({ checkedAt: '2026-12-02T03:00:00.000Z', students: p.students, problems: p.problems });
    expect(stored.students.problems.map((x) => x.message)).toEqual(['unknown unix user ghost']);
    // No temp left beside the class.
    expect(await readdir(classesDir(temp.dir()))).toEqual(['go101']);
  });

  it('refuses to overwrite a class, and an update keeps its runs', async () => {
    await writeClassDir(temp.dir(), await plan());
    await expect(writeClassDir(temp.dir(), await plan())).rejects.toBeInstanceOf(ConflictError);
    const c = classPaths(temp.dir(), 'go101');
    const run = runPaths(c, newRunId());
    await mkdir(run.students, { recursive: true });
    await writeFile(run.studentResult('s1'), '{"id":"s1"}');

    const fixed = ROSTER.replace('s2,ghost', 's2,alice').replace('/h/g', '/h/g2');
    await writeClassDir(temp.dir(), await plan({ rosterText: fixed, jobs: 2 }), { update: true });
    const stored = await readClassDir(temp.dir(), 'go101');
    expect(stored.config.jobs).toBe(2);
    expect(await readFile(c.roster, 'utf8')).toBe(fixed);
    expect(await readFile(run.studentResult('s1'), 'utf8')).toBe('{"id":"s1"}');
  });

  it('lets one of two concurrent inits win and tells the other', async () => {
    const p = await plan();
    const results = await Promise.allSettled([writeClassDir(temp.dir(), p), writeClassDir(temp.dir(), p)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(ConflictError);
    expect(await readdir(classesDir(temp.dir()))).toEqual(['go101']);
  });
});

describe('readClassDir', () => {
  it('says which class is missing', async () => {
    await expect(readClassDir(temp.dir(), 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('names the file and field of a damaged class', async () => {
    const c = await writeClassDir(temp.dir(), await plan());
    await writeFile(c.students, JSON.stringify({ checkedAt: 'x', students: [{ id: 's1' }], problems: [] }));
    const err = await readClassDir(temp.dir(), 'go101').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`${c.students}: students.0.name`);

    await writeFile(c.config, 'name: go102\nroster: roster.csv\n');
    await expect(readClassDir(temp.dir(), 'go101')).rejects.toThrow(`${c.config}: name: expected go101 (the class's directory), found go102`);
    await writeFile(c.config, 'name: go101\nroster: roster.csv\njobs: -1\n');
    await expect(readClassDir(temp.dir(), 'go101')).rejects.toThrow(`${c.config}: jobs: expected at least 1 job`);
  });
});
