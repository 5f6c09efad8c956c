import { describe, expect, it } from 'vitest';
import { gobox, makeModule, profileHome } from '../helpers/gobox.js';

/** Tries to trace its parent (the `go run` process, same uid, same sandbox), then lets go. */
const TRACER = `package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	err := syscall.PtraceAttach(os.Getppid())
	if err == nil {
		var ws syscall.WaitStatus
		syscall.Wait4(os.Getppid(), &ws, syscall.WALL, nil)
		syscall.PtraceDetach(os.Getppid())
	}
	fmt.Println("ptrace:", err)
}
`;

describe('tracing inside the sandbox', () => {
  const files = { 'go.mod': 'module tracer\n\ngo 1.22\n', 'main.go': TRACER };

  it('fails by default: the seccomp profile has no ptrace', async () => {
    const r = await gobox(['run', 'go', 'run', '.'], { cwd: makeModule(files) });
    expect(r.stdout).toBe('ptrace: operation not permitted\n');
  });

  it('works when a profile allows it (for debuggers)', async () => {
    const home = profileHome({ debug: 'ptrace: true\n' });
    const r = await gobox(['-p', 'debug', 'run', 'go', 'run', '.'], { cwd: makeModule(files), env: { XDG_CONFIG_HOME: home } });
    expect(r.stdout).toBe('ptrace: <nil>\n');
  });
});
