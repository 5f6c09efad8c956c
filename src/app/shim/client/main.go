// Command shimclient is the quick way from a `go` shim to the user's warm gobox agent: a shim
// call must cost about what a mise shim costs, and Node's own start-up is most of a warm run's
// time on a small host. It speaks the agent's wire protocol (src/wire/frames.ts: the request
// line, then [type u8][length u32 BE][payload] frames) for a run without a TTY, and nothing else:
// whenever it cannot serve the call exactly as gobox's Node client would (no agent up, a TTY, no
// agent of the user's that serves these settings, a user a daemon serves, a request too large),
// it execs that client instead, before it has read a byte of stdin or printed anything.
//
// gobox builds this one file with a stored toolchain at `gobox shim install` (standard library
// only) and the shim script runs `shimclient NODE ENTRY TOOL ARGS...`; `npm run build` builds it
// beside gobox's launcher, which runs `NODE bin.js run -- COMMAND...` through it (src/cli/launcher.ts).
// main_test.go tests the framing and the checks: `go test ./...` here, or `npm run test:go`.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Frame types and limits: src/wire/frames.ts.
const (
	frameStdin    = 1
	frameStdinEnd = 2
	frameSignal   = 3
	frameStdout   = 10
	frameStderr   = 11
	frameNotice   = 12
	frameStarted  = 13
	frameExit     = 14
	frameError    = 15
	maxHeader     = 64 * 1024
	maxFrame      = 1024 * 1024
	// The file a user's newest agent names its socket in (src/agent/shim-route.ts).
	routeFile = "shim-route"
)

var began = time.Now()

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "gobox: the shim client needs NODE ENTRY TOOL [ARGS...] or NODE ENTRY run -- COMMAND [ARGS...]")
		os.Exit(125)
	}
	node, entry, args := os.Args[1], os.Args[2], os.Args[3:]
	// Each agent that does not take the call says so before anything is read or printed, so the
	// next one can be asked: one user may have agents for several settings (an IDE's PATH, a shell's).
	for _, sock := range agentSockets(os.Getenv, os.Getuid()) {
		conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
		if err != nil {
			continue
		}
		if code, served := runThrough(conn, agentCommand(args)); served {
			timing("run through the agent (shim client)")
			os.Exit(code)
		}
	}
	// gobox's Node client: it starts an agent, goes to a daemon, or runs in-process.
	argv := append([]string{node, entry}, args...)
	err := syscall.Exec(node, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "gobox: cannot start %s: %v\n", node, err)
	os.Exit(125)
}

// agentCommand is the command the agent runs for the Node entry's arguments: a shim's are the
// tool and its arguments (shim-bin.js go ARGS); gobox's launcher (dist/cli/gobox, src/cli/launcher.ts)
// passes `run -- COMMAND...` for bin.js. No shim's tool is named run.
func agentCommand(args []string) []string {
	if len(args) >= 3 && args[0] == "run" && args[1] == "--" {
		return args[2:]
	}
	return args
}

func timing(step string) {
	if os.Getenv("GOBOX_SHIM_TIMINGS") != "1" {
		return
	}
	ms := float64(time.Since(began).Microseconds()) / 1000
	fmt.Fprintf(os.Stderr, "gobox: shim: %s took %.1fms (done at +%.0fms)\n", step, ms, ms)
}

var agentOff = regexp.MustCompile(`(?i)^(off|0|false|no)$`)
var socketName = regexp.MustCompile(`^agent-[0-9a-f]{16}\.sock$`)

// maxAgents bounds the agents one call asks: each refusal costs a connection and a request.
const maxAgents = 4

// agentSockets lists the user's agents to ask, or none: agent off (GOBOX_AGENT), a TTY on both
// ends (the Node client sets up raw mode and window size), or no agent dir that is safely the
// user's own. First the one shim-route names (the newest agent), then the dir's other sockets
// owned by the user, newest first. Which agent serves these settings is the agents' to say
// (src/agent/shim-route.ts): this client cannot compute their fingerprint.
func agentSockets(getenv func(string) string, uid int) []string {
	if agentOff.MatchString(getenv("GOBOX_AGENT")) || (isTerminal(0) && isTerminal(1)) {
		return nil
	}
	dir := agentDir(getenv("XDG_RUNTIME_DIR"), uid)
	if !ownPrivateDir(dir, uid) {
		return nil
	}
	type agentSock struct {
		path  string
		mtime int64
	}
	var found []agentSock
	if route, err := os.ReadFile(filepath.Join(dir, routeFile)); err == nil {
		found = append(found, agentSock{path: strings.TrimSpace(string(route)), mtime: 1 << 62})
	}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil && socketName.MatchString(e.Name()) {
				found = append(found, agentSock{path: filepath.Join(dir, e.Name()), mtime: info.ModTime().UnixNano()})
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].mtime > found[j].mtime })
	var socks []string
	seen := map[string]bool{}
	for _, f := range found {
		if seen[f.path] || filepath.Dir(f.path) != dir || !socketName.MatchString(filepath.Base(f.path)) || !ownSocket(f.path, uid) {
			continue
		}
		seen[f.path] = true
		if socks = append(socks, f.path); len(socks) == maxAgents {
			break
		}
	}
	return socks
}

// agentDir is src/agent/location.ts agentDir: XDG_RUNTIME_DIR/gobox when that runtime dir is
// the user's own and private, else /tmp/gobox-agent-UID.
func agentDir(runtime string, uid int) string {
	if runtime != "" && ownPrivateDir(runtime, uid) {
		return filepath.Join(runtime, "gobox")
	}
	return fmt.Sprintf("/tmp/gobox-agent-%d", uid)
}

func ownPrivateDir(dir string, uid int) bool {
	var st syscall.Stat_t
	if syscall.Lstat(dir, &st) != nil {
		return false
	}
	return st.Mode&syscall.S_IFMT == syscall.S_IFDIR && int(st.Uid) == uid && st.Mode&0o077 == 0
}

func ownSocket(sock string, uid int) bool {
	var st syscall.Stat_t
	if syscall.Lstat(sock, &st) != nil {
		return false
	}
	return st.Mode&syscall.S_IFMT == syscall.S_IFSOCK && int(st.Uid) == uid
}

func isTerminal(fd int) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

// request is src/wire/agent-request.ts for a run without a TTY.
type request struct {
	V       int               `json:"v"`
	Cwd     string            `json:"cwd"`
	Command []string          `json:"command"`
	Env     map[string]string `json:"env"`
	Tty     bool              `json:"tty"`
}

func requestLine(command []string, environ []string) ([]byte, error) {
	// The physical cwd, as Node's process.cwd() gives it (os.Getwd would prefer $PWD).
	cwd, err := syscall.Getwd()
	if err != nil {
		return nil, err
	}
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if i := strings.IndexByte(kv, '='); i > 0 {
			if _, seen := env[kv[:i]]; !seen {
				env[kv[:i]] = kv[i+1:]
			}
		}
	}
	line, err := json.Marshal(request{V: 1, Cwd: cwd, Command: command, Env: env, Tty: false})
	if err != nil {
		return nil, err
	}
	if len(line) >= maxHeader {
		return nil, errors.New("request too large")
	}
	return append(line, '\n'), nil
}

// wire writes frames; one writer at a time. busy tells a second Ctrl-C that a write is stuck.
type wire struct {
	mu   sync.Mutex
	conn *net.UnixConn
	busy atomic.Bool
}

func (w *wire) send(typ byte, payload []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.busy.Store(true)
	defer w.busy.Store(false)
	head := make([]byte, 5, 5+len(payload))
	head[0] = typ
	binary.BigEndian.PutUint32(head[1:], uint32(len(payload)))
	_, err := w.conn.Write(append(head, payload...))
	return err
}

type exitPayload struct {
	ExitCode *int     `json:"exitCode"`
	Message  string   `json:"message"`
	Notices  []string `json:"notices"`
}

type errorPayload struct {
	Message  string `json:"message"`
	Hint     string `json:"hint"`
	ExitCode *int   `json:"exitCode"`
	Reroute  bool   `json:"reroute"`
}

// runThrough makes the call; served is false when the Node client must make it instead (then
// nothing was read from stdin and nothing printed).
func runThrough(conn *net.UnixConn, command []string) (code int, served bool) {
	defer conn.Close()
	line, err := requestLine(command, os.Environ())
	if err != nil {
		return 0, false
	}
	if _, err := conn.Write(line); err != nil {
		return 0, false
	}
	w := &wire{conn: conn}
	stop := forwardSignals(w)
	defer stop()
	return readFrames(bufio.NewReaderSize(conn, 64*1024), w, os.Stdout, os.Stderr, startStdin)
}

// startStdin forwards stdin once the sandbox has started: nothing is read from it before the
// agent has taken the run, so a call handed back to the Node client loses no input. The server
// stops reading while the sandbox does not take its stdin, and so do these writes.
func startStdin(w *wire) {
	go func() {
		buf := make([]byte, 64*1024)
		for {
			n, err := os.Stdin.Read(buf)
			if n > 0 && w.send(frameStdin, buf[:n]) != nil {
				return
			}
			if err != nil {
				_ = w.send(frameStdinEnd, nil)
				return
			}
		}
	}()
}

var started atomic.Bool

// forwardSignals passes SIGINT, SIGTERM, SIGHUP and SIGQUIT to the sandbox once it has started,
// as the Node client does (cli/terminal.ts); before that a signal ends the call with 128+n. A
// second Ctrl-C while a frame cannot be written (the sandbox does not read its stdin) drops the
// connection, and the agent stops the sandbox of a gone client.
func forwardSignals(w *wire) func() {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE)
	names := map[os.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT"}
	codes := map[os.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143, syscall.SIGHUP: 129, syscall.SIGQUIT: 131}
	done := make(chan struct{})
	go func() {
		interrupts := 0
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				name, forwarded := names[sig]
				if !forwarded {
					continue // SIGPIPE: a write error says it (readFrames)
				}
				if !started.Load() {
					os.Exit(codes[sig])
				}
				if sig == syscall.SIGINT {
					interrupts++
					if interrupts >= 2 && w.busy.Load() {
						fmt.Fprintln(os.Stderr, "gobox: interrupted; the sandbox was not reading its stdin, so the connection was dropped and the sandbox is stopped")
						w.conn.Close()
						os.Exit(130)
					}
				}
				go func() { _ = w.send(frameSignal, []byte(name)) }()
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// readFrames handles the server's frames until the run's outcome.
func readFrames(r *bufio.Reader, w *wire, stdout, stderr io.Writer, onStart func(*wire)) (int, bool) {
	printed := false
	brokenPipe := false
	head := make([]byte, 5)
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			if !printed && !started.Load() {
				return 0, false
			}
			fmt.Fprintln(stderr, "gobox: lost the connection to your gobox agent (it was stopped); your sandbox was stopped; run the command again")
			return 125, true
		}
		size := binary.BigEndian.Uint32(head[1:])
		if size > maxFrame {
			fmt.Fprintf(stderr, "gobox: frame of %d bytes exceeds the %d-byte limit\n", size, maxFrame)
			return 125, true
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(r, payload); err != nil {
			fmt.Fprintln(stderr, "gobox: lost the connection to your gobox agent (it was stopped); your sandbox was stopped; run the command again")
			return 125, true
		}
		switch head[0] {
		case frameStdout, frameStderr:
			printed = true
			out := stdout
			if head[0] == frameStderr {
				out = stderr
			}
			if _, err := out.Write(payload); err != nil && errors.Is(err, syscall.EPIPE) && !brokenPipe {
				// Nobody reads any more (go list | head): the command is stopped, as the Node client does.
				brokenPipe = true
				go func() { _ = w.send(frameSignal, []byte("SIGTERM")) }()
			}
		case frameNotice:
			printed = true
			fmt.Fprintf(stderr, "gobox: %s\n", payload)
		case frameStarted:
			if !started.Swap(true) {
				onStart(w)
			}
		case frameExit:
			var e exitPayload
			if json.Unmarshal(payload, &e) != nil || e.ExitCode == nil {
				fmt.Fprintln(stderr, "gobox: the server sent a malformed exit frame")
				return 125, true
			}
			if e.Message != "" {
				fmt.Fprintf(stderr, "gobox: %s\n", e.Message)
			}
			for _, n := range e.Notices {
				fmt.Fprintf(stderr, "gobox: %s\n", n)
			}
			return *e.ExitCode, true
		case frameError:
			var e errorPayload
			_ = json.Unmarshal(payload, &e)
			if e.Reroute && !printed && !started.Load() {
				return 0, false
			}
			msg := e.Message
			if msg == "" {
				msg = "the server failed on this request"
			}
			if e.Hint != "" {
				msg += "; " + e.Hint
			}
			fmt.Fprintf(stderr, "gobox: %s\n", msg)
			if e.ExitCode != nil {
				return *e.ExitCode, true
			}
			return 125, true
		}
	}
}
