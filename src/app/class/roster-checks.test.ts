import { describe, expect, it } from 'vitest';
import { UserLookupError } from '../../common/errors.js';
import { checkRoster, type DirProbe, type RosterAccount, type RosterHost } from './roster-checks.js';
import { formatProblem, parseRoster } from './roster.js';

const H = 'id,user,name,email,dir\n';
const ACCOUNTS: Record<string, RosterAccount> = {
  alice: { name: 'alice', uid: 2001, gid: 2001 },
  bob: { name: 'bob', uid: 2002, gid: 2002 },
  carol: { name: 'carol', uid: 2003, gid: 2003 },
  toor: { name: 'toor', uid: 0, gid: 0 },
};

/** A host as data: dirs by path, readable by the uids listed. */
function fakeHost(dirs: Record<string, DirProbe | ((uid: number) => DirProbe)>, opts: { failUser?: string } = {}): RosterHost & { probes: string[] } {
  const probes: string[] = [];
  return {
    probes,
    async lookupUser(name) {
      if (name === opts.failUser) throw new UserLookupError('cannot read the host\'s passwd database (getent passwd x): sssd is down');
      return ACCOUNTS[name];
    },
    async probeDir(dir, as) {
      probes.push(`${dir} as ${as.uid}`);
      const d = dirs[dir];
      if (!d) return { kind: 'missing' };
      return typeof d === 'function' ? d(as.uid) : d;
    },
  };
}
const own = (real: string, ownerUid: number, extra: { symlinkVia?: string } = {}): DirProbe => ({ kind: 'dir', real, ownerUid, readable: true, ...extra });

async function check(csv: string, host: RosterHost, more: { gradingUser?: { uid: number; gid: number }; previousUids?: Map<string, number> } = {}) {
  const { rows, problems } = parseRoster('r.csv', H + csv);
  expect(problems).toEqual([]);
  const out = await checkRoster(rows, { file: 'r.csv', host, ...more });
  return { ids: out.students.map((s) => s.id), students: out.students, lines: out.problems.map(formatProblem) };
}

describe('checkRoster', () => {
  it('resolves accounts and real directories of good students', async () => {
    const host = fakeHost({ '/home/alice/go': own('/data/home/alice/go', 2001), '/srv/sub/s2': own('/srv/sub/s2', 0) });
    const { students, lines } = await check('s1,alice,Ada,a@x.edu,/home/alice/go/\ns2,,Sub,,/srv/sub/s2\n', host, { gradingUser: { uid: 3000, gid: 3000 } });
    expect(lines).toEqual([]);
    expect(students).toEqual([
      { id: 's1', name: 'Ada', email: 'a@x.edu', user: 'alice', uid: 2001, gid: 2001, dir: '/home/alice/go', realDir: '/data/home/alice/go', line: 2 },
      { id: 's2', name: 'Sub', email: '', uid: 3000, gid: 3000, dir: '/srv/sub/s2', realDir: '/srv/sub/s2', line: 3 },
    ]);
    // Probed as whom the sandbox will run as.
    expect(host.probes).toEqual(['/home/alice/go as 2001', '/srv/sub/s2 as 3000']);
  });

  it('gives one line per student for accounts, and grades the others', async () => {
    const host = fakeHost({ '/h/a': own('/h/a', 2001), '/h/x': own('/h/x', 0), '/h/b': own('/h/b', 2002), '/h/c': own('/h/c', 2003) });
    const { ids, lines } = await check(
      's1,alice,A,,/h/a\ns2,ghost,G,,/h/x\ns3,,N,,/h/x\ns4,toor,R,,/h/x\ns5,ghost,D,,/h/x\ns6,bob,B,,/h/b\ns7,carol,C,,/h/c\n',
      host,
      { previousUids: new Map([['bob', 2002], ['carol', 1999]]) },
    );
    expect(ids).toEqual(['s1', 's6']);
    expect(lines).toEqual([
      'r.csv:3: student s2: user: unknown unix user ghost',
      'r.csv:4: student s3: user: no unix user, and the class has no gradingUser to grade submissions without an account',
      'r.csv:5: student s4: user: toor is root: a student is never graded as root',
      'r.csv:6: student s5: user: unknown unix user ghost',
      'r.csv:8: student s7: user: user carol now has uid 2003, not 1999 as when the class was set up (a replaced account): check it, then run gobox class init again',
    ]);
  });

  it('fails the whole check, once, when the user database cannot answer', async () => {
    const { rows } = parseRoster('r.csv', `${H}s1,alice,A,,/h/a\ns2,dan,D,,/h/d\n`);
    await expect(checkRoster(rows, { file: 'r.csv', host: fakeHost({ '/h/a': own('/h/a', 2001) }, { failUser: 'dan' }) })).rejects.toBeInstanceOf(UserLookupError);
  });

  it('refuses a student whose uid is the class\'s grading uid', async () => {
    const { ids, lines } = await check('s1,alice,A,,/h/a\ns2,bob,B,,/h/b\n', fakeHost({ '/h/a': own('/h/a', 2001), '/h/b': own('/h/b', 2002) }), { gradingUser: { uid: 2002, gid: 2002 } });
    expect(ids).toEqual(['s1']);
    expect(lines).toEqual(['r.csv:3: student s2: user: bob has the class\'s grading uid 2002: submissions without an account would run as this student; give gradingUser a uid of its own']);
  });

  it('tells a user that no longer exists from one never known', async () => {
    const { lines } = await check('s1,gone,G,,/h/g\n', fakeHost({ '/h/g': own('/h/g', 2009) }), { previousUids: new Map([['gone', 2009]]) });
    expect(lines).toEqual(['r.csv:2: student s1: user: user gone no longer exists (uid 2009 when the class was set up)']);
  });

  it('gives one line per student for a missing, unreadable, symlinked or non-directory dir', async () => {
    const host = fakeHost({
      '/h/file': { kind: 'not-dir', real: '/h/file' },
      '/h/b': (uid) => ({ kind: 'dir', real: '/h/b', ownerUid: 0, readable: uid === 2001 }),
      '/h/c': own('/home/alice/secret', 2003, { symlinkVia: '/h/c' }),
      '/h/a': own('/h/a', 2001),
    });
    host.probeDir = ((orig) => async (dir, as) => (dir === '/h/err' ? Promise.reject(new Error('EIO')) : orig(dir, as)))(host.probeDir);
    const { ids, lines } = await check(
      's1,alice,A,,/h/a\ns2,bob,B,,/h/missing\ns3,bob,B,,/h/file\ns4,bob,B,,/h/b\ns5,carol,C,,/h/c\ns6,,S,,/h/b\ns7,carol,C,,/h/err\n',
      host,
      { gradingUser: { uid: 3000, gid: 3000 } },
    );
    expect(ids).toEqual(['s1']);
    expect(lines).toEqual([
      'r.csv:3: student s2: dir: /h/missing does not exist',
      'r.csv:4: student s3: dir: /h/file is not a directory',
      'r.csv:5: student s4: dir: /h/b is not readable by user bob',
      'r.csv:6: student s5: dir: /h/c leads through the symlink /h/c to /home/alice/secret: name the real directory in the roster',
      'r.csv:7: student s6: dir: /h/b is not readable by the grading uid 3000',
      'r.csv:8: student s7: dir: cannot check /h/err: EIO',
    ]);
  });

  it('leaves out students whose directories are shared, nested or another student\'s', async () => {
    const host = fakeHost({
      '/h/a': own('/h/a', 2001),
      '/h/a2': own('/h/a', 2001),
      '/h/b': own('/h/b', 2002),
      '/h/b/sub': own('/h/b/sub', 2002),
      '/h/c': own('/h/c', 2001),
      '/srv/s': own('/srv/s', 0),
    });
    const { ids, lines } = await check(
      's1,alice,A,,/h/a\ns2,,X,,/h/a2\ns3,bob,B,,/h/b\ns4,,Y,,/h/b/sub\ns5,carol,C,,/h/c\ns6,,Z,,/srv/s\n',
      host,
      { gradingUser: { uid: 3000, gid: 3000 } },
    );
    expect(ids).toEqual(['s6']);
    expect(lines).toEqual([
      'r.csv:2: student s1: dir: /h/a is also the directory of student s2 (line 3)',
      'r.csv:3: student s2: dir: /h/a2 is also the directory of student s1 (line 2)',
      'r.csv:4: student s3: dir: /h/b holds the directory of student s4 (line 5)',
      'r.csv:5: student s4: dir: /h/b/sub is inside the directory of student s3 (line 4)',
      'r.csv:6: student s5: dir: /h/c belongs to user alice, student s1 (line 2)',
    ]);
  });

  it('applies the host\'s mount rules to the real directory', async () => {
    const host = fakeHost({ '/h/a': own('/h/a', 2001), '/h/etc': own('/etc', 0) });
    const { rows } = parseRoster('r.csv', `${H}s1,alice,A,,/h/a\ns2,bob,B,,/h/etc\n`);
    const seen: string[] = [];
    host.refuseDir = (real, as) => {
      seen.push(`${real} ${as.uid}`);
      return real === '/etc' ? '/etc is never mounted into a sandbox' : undefined;
    };
    const out = await checkRoster(rows, { file: 'r.csv', host });
    expect(out.students.map((s) => s.id)).toEqual(['s1']);
    expect(out.problems.map(formatProblem)).toEqual(['r.csv:3: student s2: dir: /etc is never mounted into a sandbox']);
    expect(seen).toEqual(['/h/a 2001', '/etc 2002']);
  });

  it('leaves out both lines of one account used twice', async () => {
    const { ids, lines } = await check('s1,alice,A,,/h/a\ns2,alice,A,,/h/a2\ns3,bob,B,,/h/b\n', fakeHost({ '/h/a': own('/h/a', 2001), '/h/a2': own('/h/a2', 2001), '/h/b': own('/h/b', 2002) }));
    expect(ids).toEqual(['s3']);
    expect(lines).toEqual([
      'r.csv:2: student s1: user: alice is also the user of student s2 (line 3)',
      'r.csv:3: student s2: user: alice is also the user of student s1 (line 2)',
    ]);
  });
});
