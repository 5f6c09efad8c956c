package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func frame(typ byte, payload string) []byte {
	head := make([]byte, 5)
	head[0] = typ
	binary.BigEndian.PutUint32(head[1:], uint32(len(payload)))
	return append(head, payload...)
}

// read runs readFrames over the given server frames; the wire's writes go to a pipe nobody reads.
func read(t *testing.T, frames ...[]byte) (code int, served bool, stdout, stderr string, startedNow bool) {
	t.Helper()
	started.Store(false)
	var out, errOut bytes.Buffer
	began := false
	code, served = readFrames(bufio.NewReader(bytes.NewReader(bytes.Join(frames, nil))), &wire{}, &out, &errOut, func(*wire) { began = true })
	return code, served, out.String(), errOut.String(), began
}

func TestOutputAndExit(t *testing.T) {
	code, served, out, errOut, began := read(t,
		frame(frameNotice, "Making a cache"),
		frame(frameStarted, ""),
		frame(frameStdout, "example.com/x\n"),
		frame(frameStderr, "warning\n"),
		frame(frameExit, `{"exitCode":3,"reason":"exited","message":"timed out","notices":["after your last run: trimmed"],"durationMs":5}`),
	)
	if !served || code != 3 || !began {
		t.Fatalf("served=%v code=%d began=%v", served, code, began)
	}
	if out != "example.com/x\n" {
		t.Fatalf("stdout %q", out)
	}
	want := "gobox: Making a cache\nwarning\ngobox: timed out\ngobox: after your last run: trimmed\n"
	if errOut != want {
		t.Fatalf("stderr %q, want %q", errOut, want)
	}
}

func TestRerouteBeforeAnythingIsHandedBack(t *testing.T) {
	_, served, out, errOut, _ := read(t, frame(frameError, `{"message":"this agent serves other gobox settings","exitCode":125,"reroute":true}`))
	if served || out != "" || errOut != "" {
		t.Fatalf("served=%v stdout=%q stderr=%q", served, out, errOut)
	}
}

func TestErrorIsOneLineWithItsCode(t *testing.T) {
	code, served, _, errOut, _ := read(t, frame(frameError, `{"message":"toolchain go1.22 changed since it was installed","hint":"see gobox toolchain verify","exitCode":125}`))
	if !served || code != 125 || errOut != "gobox: toolchain go1.22 changed since it was installed; see gobox toolchain verify\n" {
		t.Fatalf("served=%v code=%d stderr=%q", served, code, errOut)
	}
}

func TestLostConnection(t *testing.T) {
	// Nothing came at all: the Node client makes the call.
	if _, served, _, _, _ := read(t); served {
		t.Fatal("an empty answer must be handed back")
	}
	// The run had started: the call is lost, as the Node client says.
	code, served, _, errOut, _ := read(t, frame(frameStarted, ""), frame(frameStdout, "partial"))
	if !served || code != 125 || !strings.Contains(errOut, "lost the connection to your gobox agent") {
		t.Fatalf("served=%v code=%d stderr=%q", served, code, errOut)
	}
}

func TestOversizedFrame(t *testing.T) {
	head := make([]byte, 5)
	head[0] = frameStdout
	binary.BigEndian.PutUint32(head[1:], maxFrame+1)
	code, served, _, errOut, _ := read(t, head)
	if !served || code != 125 || !strings.Contains(errOut, "exceeds") {
		t.Fatalf("served=%v code=%d stderr=%q", served, code, errOut)
	}
}

func TestRequestLineTooLarge(t *testing.T) {
	if _, err := requestLine([]string{"go", "build"}, []string{"BIG=" + strings.Repeat("x", maxHeader)}); err == nil {
		t.Fatal("a request over the header limit must be refused")
	}
	line, err := requestLine([]string{"go", "list", "-m"}, []string{"A=1", "A=2", "B=x=y"})
	if err != nil || !bytes.HasSuffix(line, []byte("\n")) || !bytes.Contains(line, []byte(`"env":{"A":"1","B":"x=y"}`)) || !bytes.Contains(line, []byte(`"tty":false`)) {
		t.Fatalf("line %s err %v", line, err)
	}
}

func TestAgentDirAndSocketChecks(t *testing.T) {
	uid := os.Getuid()
	runtime := t.TempDir()
	if err := os.Chmod(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := agentDir(runtime, uid); got != filepath.Join(runtime, "gobox") {
		t.Fatalf("private runtime dir: %s", got)
	}
	if err := os.Chmod(runtime, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := agentDir(runtime, uid); got != "/tmp/gobox-agent-"+itoa(uid) {
		t.Fatalf("a runtime dir others can read is not used: %s", got)
	}
	if ownSocket(filepath.Join(runtime, "none.sock"), uid) || ownPrivateDir(filepath.Join(runtime, "none"), uid) {
		t.Fatal("missing paths are not the user's")
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestAgentCommand(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"go", "build", "./..."}, []string{"go", "build", "./..."}},
		{[]string{"gofmt", "-l", "."}, []string{"gofmt", "-l", "."}},
		{[]string{"run", "--", "go", "test"}, []string{"go", "test"}},
		{[]string{"run", "--", "-x"}, []string{"-x"}},
		// Not the launcher's form: the agent would refuse it, and the Node entry gets it whole.
		{[]string{"run", "--"}, []string{"run", "--"}},
	} {
		if got := strings.Join(agentCommand(c.in), " "); got != strings.Join(c.want, " ") {
			t.Errorf("agentCommand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAgentSocketsRouteFirstThenNewest(t *testing.T) {
	uid := os.Getuid()
	runtime := t.TempDir()
	dir := filepath.Join(runtime, "gobox")
	if err := os.Chmod(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		l, err := net.Listen("unix", p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		when := time.Now().Add(-age)
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldest := sock("agent-0000000000000001.sock", 3*time.Hour)
	newest := sock("agent-0000000000000002.sock", time.Minute)
	middle := sock("agent-0000000000000003.sock", time.Hour)
	sock("other.sock", 0)
	if err := os.WriteFile(filepath.Join(dir, routeFile), []byte(oldest+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_RUNTIME_DIR": runtime}
	got := agentSockets(func(k string) string { return env[k] }, uid)
	if strings.Join(got, " ") != strings.Join([]string{oldest, newest, middle}, " ") {
		t.Fatalf("agents to ask: %q", got)
	}
	// A route naming a socket outside the dir is not followed; the dir's own sockets still are.
	if err := os.WriteFile(filepath.Join(dir, routeFile), []byte("/tmp/agent-0000000000000009.sock\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := agentSockets(func(k string) string { return env[k] }, uid); strings.Join(got, " ") != strings.Join([]string{newest, middle, oldest}, " ") {
		t.Fatalf("agents to ask with a bad route: %q", got)
	}
	env["GOBOX_AGENT"] = "off"
	if got := agentSockets(func(k string) string { return env[k] }, uid); got != nil {
		t.Fatalf("GOBOX_AGENT=off asks no agent: %q", got)
	}
}
