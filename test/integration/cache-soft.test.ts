import { beforeAll, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule, profileHome } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * Soft cache limits: gobox run by a non-root user of the docker group, who cannot have a loop
 * image. The cache is measured after each run and trimmed, oldest build entries first.
 */
const S = { name: 'gobox-it-s', uid: 23405, gid: 23405 };
const MiB = 1024 ** 2;


let env: Record<string, string>;
let dir: string;
const asUser = (args: string[]) => gobox(['-p', 'small', ...args], { cwd: dir, env, user: S.name });

/** Seven 10 MiB build cache entries, one per subdir, the first the oldest; and one old read-only module. */
const FILL = [
  'cd "$GOCACHE" || exit 1',
  'for i in 1 2 3 4 5 6 7; do mkdir -p 0$i && dd if=/dev/zero of=0$i/entry$i-d bs=1M count=10 status=none && touch -d @$((1700000000 + i * 1000)) 0$i/entry$i-d; done',
  'm="$GOMODCACHE/example.com/old@v1.0.0"; mkdir -p "$m" && echo x > "$m/go.mod" && touch -d @1600000000 "$m" && chmod -R a-w "$m"',
].join('\n');

describe('soft cache limits (gobox as a docker-group user)', () => {
  beforeAll(async () => {
    ensureTestUser(S);
    const home = profileHome({ small: 'cache:\n  size: 64m\n' }, S);
    env = { XDG_CONFIG_HOME: home };
    dir = makeModule(HELLO, S);
    await gobox(['cache', 'clear', '--reset', '--user', String(S.uid)], { cwd: '/', env: {} });
  });

  it('trims the oldest build cache entries after a run that went over the limit', async () => {
    const r = await asUser(['run', 'sh', '-c', FILL]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^gobox: cache gobox-cache-${S.uid} used 70\\.\\d MiB of its 64 MiB quota; trimmed 20 MiB \\(oldest build cache entries\\) to about 50\\.\\d MiB\\n$`));
    const left = await asUser(['run', 'sh', '-c', 'cd "$GOCACHE" && ls 0*/ | grep entry; ls "$GOMODCACHE/example.com"']);
    expect(left.stdout).toBe(['entry3-d', 'entry4-d', 'entry5-d', 'entry6-d', 'entry7-d', 'old@v1.0.0', ''].join('\n'));
    expect(left.stderr).toBe('');
  });

  it('cache info --json matches du inside the sandbox', async () => {
    const info = await asUser(['cache', 'info', '--json']);
    expect(info.stderr).toBe('');
    const i = JSON.parse(info.stdout) as { mode: string; limitBytes: number; usedBytes: number; buildBytes: number; modBytes: number };
    expect(i.mode).toBe('soft');
    expect(i.limitBytes).toBe(64 * MiB);
    // One du per directory: a single du counts a directory once across all its arguments.
    const du = await asUser(['run', 'sh', '-c', 'cd /gobox/cache && for d in . build mod; do du -sk $d | cut -f1; done']);
    expect(du.code).toBe(0);
    const [all, build, mod] = du.stdout.trim().split('\n').map((n) => Number(n) * 1024);
    expect([i.usedBytes, i.buildBytes, i.modBytes]).toEqual([all, build, mod]);
  });

  it('cache trim --to removes module versions after the build cache, read-only ones too', async () => {
    const t = await asUser(['cache', 'trim', '--to', '0']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`^gobox-cache-${S.uid}: 50\\.\\d MiB -> \\d+ KiB \\(target 0 B, 1 module version\\(s\\) removed\\)\\n$`));
    const left = await asUser(['run', 'sh', '-c', 'ls "$GOCACHE"/0* "$GOMODCACHE/example.com" 2>/dev/null | grep -c "entry\\|@" ; true']);
    expect(left.stdout).toBe('0\n');
  });

  it('refuses another user\'s cache and a bad --to, changing nothing', async () => {
    const other = await asUser(['cache', 'trim', '--user', '23403']);
    expect(other.code).toBe(125);
    expect(other.stderr).toBe(`gobox: only root may act on the cache of uid 23403; yours is uid ${S.uid}\n`);
    const bad = await asUser(['cache', 'trim', '--to', 'half']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('gobox: --to half: expected a size such as "512m" or "2g"\n');
  });
});
