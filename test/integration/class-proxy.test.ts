import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlainServer } from '../fixtures/proxy/host.js';
import { hostConfig, startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';
import { CORRECT_ADD, ensureStudents, removeClass, roster, STUDENT_USERS, studentProject, uniqueClass } from '../helpers/class.js';
import { gobox } from '../helpers/gobox.js';

/**
 * A class graded with `--network proxy`: a student's tests reach the module proxy of the host
 * config (through gobox's forwarder, with the test CA) and nothing else, here another server on
 * this very host that the same test dials directly.
 */
const CLASS = uniqueClass('proxy');
const student = STUDENT_USERS[2]!;

function proxyTest(ip: string, port: number, listPath: string): string {
  return `package hw1

import (
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestModuleProxyAnswers(t *testing.T) {
	resp, err := http.Get(strings.TrimSuffix(os.Getenv("GOPROXY"), ",direct") + "/${listPath}")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "v1.0.0") {
		t.Fatalf("the module list said %d %q", resp.StatusCode, body)
	}
}

func TestNothingElse(t *testing.T) {
	if c, err := net.DialTimeout("tcp", "${ip}:${port}", 3*time.Second); err == nil {
		c.Close()
		t.Fatal("reached another server on the host")
	}
}
`;
}

describe('a class graded with --network proxy', () => {
  let pp: PrivateProxy;
  let other: Awaited<ReturnType<typeof startPlainServer>>;
  beforeAll(async () => {
    ensureStudents();
    pp = await startPrivateProxy();
    other = await startPlainServer(pp.ip, 'other server');
  });
  afterAll(async () => {
    removeClass(CLASS);
    await pp?.proxy.close();
    await other?.close();
    // The forwarder is long-lived by design; these two were made for this test's proxy only.
    execFileSync('sh', ['-c', `docker rm -f gobox-proxy >/dev/null 2>&1; docker network rm gobox-proxy-net-${student.uid} >/dev/null 2>&1; true`]);
  });

  it("reaches the host config's module proxy and nothing else", async () => {
    const env = { GOBOX_CONFIG: hostConfig(`ca: ${pp.ca.caFile}\nproxy:\n  url: ${pp.proxy.url}\n`) };
    const listPath = `${pp.tagged.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`)}/@v/list`;
    const dir = studentProject(student, `hw-${CLASS}`, { 'add.go': CORRECT_ADD, 'proxy_test.go': proxyTest(pp.ip, other.port, listPath) });
    const file = roster([['p', student.name, dir]]);
    expect((await gobox(['class', 'init', CLASS, '--roster', file, '--network', 'proxy'], { cwd: '/', env })).code).toBe(0);
    const run = await gobox(['class', 'run', CLASS, '--', 'go', 'test', './...'], { cwd: '/', env, timeoutMs: 600_000 });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse((await gobox(['class', 'results', CLASS, '--json'], { cwd: '/', env })).stdout) as { students: { status: string; tests: { name: string; status: string; output?: string }[] }[] };
    const tests = Object.fromEntries(doc.students[0]!.tests.map((t) => [t.name, t]));
    expect(tests.TestModuleProxyAnswers, JSON.stringify(tests.TestModuleProxyAnswers)).toMatchObject({ status: 'pass' });
    expect(tests.TestNothingElse, JSON.stringify(tests.TestNothingElse)).toMatchObject({ status: 'pass' });
    expect(doc.students[0]!.status).toBe('ok');
    expect(pp.proxy.requests.some((r) => r.includes('/@v/list'))).toBe(true);
    expect(other.hits).toBe(0);
  }, 600_000);
});
