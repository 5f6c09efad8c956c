import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { makeModule } from '../helpers/gobox.js';
import { daemonSandboxes, withTestDaemon } from '../helpers/daemon.js';

const ESCAPE = `package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

func try(name string, err error) {
	if err == nil {
		fmt.Println(name + "-OK")
	} else {
		fmt.Println(name + "-failed")
	}
}

func main() {
	try("mount", syscall.Mount("tmpfs", "/mnt", "tmpfs", 0, ""))
	// A host process (the daemon): the sandbox's pid namespace does not even contain it.
	host, _ := strconv.Atoi(os.Args[1])
	err := syscall.PtraceAttach(host)
	if err == nil {
		syscall.PtraceDetach(host)
	}
	try("ptrace", err)
	try("setuid", syscall.Setuid(0))
	try("write-root", os.WriteFile("/gobox-pwn", []byte("x"), 0o644))
	try("write-goroot", os.WriteFile("/usr/local/go/bin/pwn", []byte("x"), 0o755))
}
`;

describe('daemon: inside the sandbox', () => {
  const a = shared.users[0]!;
  const daemon = withTestDaemon([a.name], { afterStop: (d) => expect(d && daemonSandboxes(d)).toEqual([]) });

  it('mount, ptrace, setuid and writes to / and GOROOT all fail', async () => {
    const dir = makeModule({ 'go.mod': 'module escape\n\ngo 1.22\n', 'main.go': ESCAPE }, a);
    const r = await daemon().run(a.name, ['run', 'go', 'run', '.', String(daemon().child.pid)], { cwd: dir, timeoutMs: 120_000 });
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['mount-failed', 'ptrace-failed', 'setuid-failed', 'write-goroot-failed', 'write-root-failed']);
  });

  it('unshare, mount and setuid binaries give no privileges; capabilities are empty', async () => {
    const script = [
      'unshare -Ur true 2>/dev/null && echo unshare-OK || echo unshare-failed',
      'mount -t tmpfs none /mnt 2>/dev/null && echo mount-OK || echo mount-failed',
      // Every setuid binary in the image runs without privilege (no-new-privileges).
      'for f in $(find / -xdev -perm -4000 -type f 2>/dev/null); do echo "setuid $f"; done',
      'su root -c "id -u" </dev/null 2>/dev/null && echo su-OK || echo su-failed',
      'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status',
      'grep NoNewPrivs /proc/self/status',
    ].join('; ');
    const r = await daemon().run(a.name, ['run', 'sh', '-c', script], { cwd: makeModule({ 'go.mod': 'module x\n\ngo 1.22\n' }, a) });
    expect(r.stdout).toContain('unshare-failed');
    expect(r.stdout).toContain('mount-failed');
    expect(r.stdout).toContain('su-failed');
    for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(r.stdout).toMatch(new RegExp(`${cap}:\\s+0000000000000000`));
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
  });
});
