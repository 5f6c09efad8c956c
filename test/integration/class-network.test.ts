import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRECT_ADD, ensureStudents, removeClass, roster, STUDENT_USERS, studentProject, uniqueClass } from '../helpers/class.js';
import { collect, gobox, spawnGobox, waitFor } from '../helpers/gobox.js';

/**
 * With the network on (--network open), two students graded at the same time still cannot reach
 * each other: the listener's own test reaches itself by its address, and the other student's
 * test, handed that address while both run, cannot connect to it.
 */
const CLASS = uniqueClass('net');
const [a, b] = STUDENT_USERS as [typeof STUDENT_USERS[number], typeof STUDENT_USERS[number]];

const listenerTest = `package hw1

import (
	"net"
	"testing"
	"time"
)

func TestServe(t *testing.T) {
	l, err := net.Listen("tcp", "0.0.0.0:7777")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("secret\\n"))
			c.Close()
		}
	}()
	addrs, _ := net.InterfaceAddrs()
	reached := false
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil && !ip.IP.IsLoopback() {
			if c, err := net.DialTimeout("tcp", ip.IP.String()+":7777", 2*time.Second); err == nil {
				c.Close()
				reached = true
			}
		}
	}
	if !reached {
		t.Fatal("could not reach its own listener by its address")
	}
	time.Sleep(40 * time.Second)
}
`;

function dialerTest(peerFile: string): string {
  return `package hw1

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestCannotReachPeer(t *testing.T) {
	var peer string
	for i := 0; i < 60 && peer == ""; i++ {
		b, _ := os.ReadFile(${JSON.stringify(peerFile)})
		peer = strings.TrimSpace(string(b))
		if peer == "" {
			time.Sleep(500 * time.Millisecond)
		}
	}
	if peer == "" {
		t.Fatal("never learned the other student's address")
	}
	if c, err := net.DialTimeout("tcp", peer+":7777", 3*time.Second); err == nil {
		c.Close()
		t.Fatalf("reached the other student's sandbox at %s", peer)
	}
}
`;
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}

beforeAll(() => ensureStudents());
afterAll(() => removeClass(CLASS));

describe('students graded side by side with the network on', () => {
  it('cannot reach each other, by address, while both run', async () => {
    const dirA = studentProject(a, `hw-${CLASS}`, { 'add.go': CORRECT_ADD, 'serve_test.go': listenerTest });
    const dirB = studentProject(b, `hw-${CLASS}`, { 'add.go': CORRECT_ADD });
    // B's submission dir is mounted read-only at its host path: the address appears there live.
    const peerFile = path.join(dirB, 'peer.txt');
    writeFileSync(path.join(dirB, 'dial_test.go'), dialerTest(peerFile));
    writeFileSync(peerFile, '');
    execFileSync('chown', ['-R', `${b.uid}:${b.uid}`, dirB]);
    const file = roster([['a', a.name, dirA], ['b', b.name, dirB]]);
    expect((await gobox(['class', 'init', CLASS, '--roster', file, '--jobs', '2', '--network', 'open'], { cwd: '/' })).code).toBe(0);
    const run = collect(spawnGobox(['class', 'run', CLASS, '--', 'go', 'test', './...'], { cwd: '/' }), { timeoutMs: 600_000 });
    const ip = await waitFor(() => {
      const id = execFileSync('docker', ['ps', '-q', '--filter', `label=gobox.class=${CLASS}`, '--filter', 'label=gobox.student=a'], { encoding: 'utf8' }).trim();
      if (!id) return undefined;
      const addr = execFileSync('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', id], { encoding: 'utf8' }).trim().split(' ')[0];
      return addr || undefined;
    }, 300_000, 250);
    // Handed over only once the listener answers (from the host): B's refusal is then the network's.
    const deadline = Date.now() + 120_000;
    while (!(await answers(ip, 7777))) {
      if (Date.now() > deadline) throw new Error(`student a's listener at ${ip}:7777 never answered the host`);
      await new Promise((r) => setTimeout(r, 250));
    }
    writeFileSync(peerFile, `${ip}\n`);
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    const doc = JSON.parse((await gobox(['class', 'results', CLASS, '--json'], { cwd: '/' })).stdout) as { students: { id: string; tests: { name: string; status: string; output?: string }[] }[] };
    const test = (id: string, name: string) => doc.students.find((s) => s.id === id)!.tests.find((t) => t.name === name);
    expect(test('a', 'TestServe')?.status).toBe('pass');
    expect(test('b', 'TestCannotReachPeer'), JSON.stringify(test('b', 'TestCannotReachPeer'))).toMatchObject({ status: 'pass' });
  }, 600_000);
});
