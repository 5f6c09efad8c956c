package main

// These tests run the forwarder for real over loopback: a real listener, real upstream servers
// on 127.0.0.1, raw requests written the way curl and Go's http client write them.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer collects the forwarder's log, written from its connection goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startForwarder serves allow on a loopback port and returns that address and its log.
func startForwarder(t *testing.T, allow string) (string, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	log.SetOutput(logs)
	t.Cleanup(func() { log.SetOutput(io.Discard) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go newForwarder(allow).serve(ln)
	return ln.Addr().String(), logs
}

// startEcho is a TCP server that sends back what it reads; accepted counts its connections,
// so a test can tell that a refused request never reached it.
func startEcho(t *testing.T) (addr string, accepted *int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			atomic.AddInt32(accepted, 1)
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String(), accepted
}

// send writes a raw request to the forwarder and returns the connection and a reader on it.
func send(t *testing.T, proxy, request string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

// expectStatus reads a whole response and checks its status code; it returns the body.
func expectStatus(t *testing.T, br *bufio.Reader, want int) string {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("status %d (%s), want %d", resp.StatusCode, strings.TrimSpace(string(body)), want)
	}
	return string(body)
}

func connect(hostport string) string {
	return fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", hostport, hostport)
}

func TestConnectToAllowedHostPortIsRelayed(t *testing.T) {
	echo, accepted := startEcho(t)
	proxy, _ := startForwarder(t, "example.invalid:443, "+echo)
	// Bytes sent right behind the CONNECT, before the 200 (as a TLS ClientHello may be), must
	// reach the upstream too.
	c, br := send(t, proxy, connect(echo)+"early\n")
	status, _ := br.ReadString('\n')
	if status != "HTTP/1.1 200 Connection Established\r\n" {
		t.Fatalf("status line %q", status)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("want an empty line after the status, got %q", blank)
	}
	io.WriteString(c, "late\n")
	for _, want := range []string{"early\n", "late\n"} {
		if got, err := br.ReadString('\n'); got != want {
			t.Fatalf("echoed %q (%v), want %q", got, err, want)
		}
	}
	if n := atomic.LoadInt32(accepted); n != 1 {
		t.Fatalf("upstream accepted %d connections, want 1", n)
	}
}

func TestPlainHTTPToAllowedHostIsForwarded(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s proxy-connection=%q authorization=%q", r.Method, r.URL.RequestURI(), r.Header.Get("Proxy-Connection"), r.Header.Get("Proxy-Authorization"))
	}))
	t.Cleanup(upstream.Close)
	host := strings.TrimPrefix(upstream.URL, "http://")
	proxy, _ := startForwarder(t, host)
	// Any method goes to an allowed host; the forwarder restricts destinations, not methods.
	for _, method := range []string{"GET", "DELETE"} {
		_, br := send(t, proxy, method+" http://"+host+"/mod/@v/list?x=1 HTTP/1.1\r\nHost: "+host+"\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic c2VjcmV0\r\n\r\n")
		body := expectStatus(t, br, 200)
		// The request goes upstream in origin form, without the hop-by-hop proxy headers.
		if want := method + ` /mod/@v/list?x=1 proxy-connection="" authorization=""`; body != want {
			t.Fatalf("upstream saw %q, want %q", body, want)
		}
	}
}

func TestRefusedHostGets403(t *testing.T) {
	allowedEcho, _ := startEcho(t)
	otherEcho, otherAccepted := startEcho(t)
	proxy, logs := startForwarder(t, allowedEcho)
	_, br := send(t, proxy, connect(otherEcho))
	body := expectStatus(t, br, 403)
	if !strings.Contains(body, otherEcho+" is not allowed (allowed: "+allowedEcho+")") {
		t.Fatalf("403 body %q does not name the refused and the allowed host", body)
	}
	if !strings.Contains(logs.String(), "refused CONNECT "+otherEcho) {
		t.Fatalf("log %q does not list the refusal", logs.String())
	}
	if n := atomic.LoadInt32(otherAccepted); n != 0 {
		t.Fatalf("the refused host accepted %d connections", n)
	}
}

func TestRefusedMethodsAndForms(t *testing.T) {
	echo, accepted := startEcho(t)
	proxy, logs := startForwarder(t, echo)
	cases := []struct {
		name, request string
		status        int
	}{
		// A non-CONNECT method passes only as plain http to an allowed host:port.
		{"DELETE to a host not allowed", "DELETE http://example.invalid/x HTTP/1.1\r\nHost: example.invalid\r\n\r\n", 403},
		{"GET to a host not allowed", "GET http://127.0.0.1:1/ HTTP/1.1\r\n\r\n", 403},
		// Only CONNECT may tunnel: an absolute https:// target is not plain http.
		{"GET https:// to an allowed host", "GET https://" + echo + "/ HTTP/1.1\r\n\r\n", 400},
		{"origin-form GET", "GET / HTTP/1.1\r\nHost: " + echo + "\r\n\r\n", 400},
		{"malformed request line", "HELLO\r\n\r\n", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, br := send(t, proxy, tc.request)
			expectStatus(t, br, tc.status)
		})
	}
	if !strings.Contains(logs.String(), "refused DELETE example.invalid:80") {
		t.Fatalf("log %q does not list the refused DELETE", logs.String())
	}
	if n := atomic.LoadInt32(accepted); n != 0 {
		t.Fatalf("the allowed host accepted %d connections from refused requests", n)
	}
}

func TestConnectToAllowedHostOnOtherPortGets403(t *testing.T) {
	allowedEcho, _ := startEcho(t)
	otherPort, otherAccepted := startEcho(t)
	proxy, _ := startForwarder(t, allowedEcho)
	// Same host (127.0.0.1), a port that is listening but not on the list.
	_, br := send(t, proxy, connect(otherPort))
	expectStatus(t, br, 403)
	// Plain http without a port means port 80, which is not the allowed port either.
	_, br = send(t, proxy, "GET http://127.0.0.1/ HTTP/1.1\r\n\r\n")
	if body := expectStatus(t, br, 403); !strings.Contains(body, "127.0.0.1:80 is not allowed") {
		t.Fatalf("403 body %q", body)
	}
	if n := atomic.LoadInt32(otherAccepted); n != 0 {
		t.Fatalf("the port not allowed accepted %d connections", n)
	}
}

func TestAllowListIsTrimmedAndCaseInsensitive(t *testing.T) {
	f := newForwarder(" Proxy.Example:443 ,,sum.example:443 ")
	want := map[string]bool{"proxy.example:443": true, "sum.example:443": true}
	if len(f.allowed) != len(want) || !f.allowed["proxy.example:443"] || !f.allowed["sum.example:443"] {
		t.Fatalf("allowed %v, want %v", f.allowed, want)
	}
	// The list and the request may spell the host in any case.
	echo, _ := startEcho(t)
	port := echo[strings.LastIndexByte(echo, ':')+1:]
	proxy, _ := startForwarder(t, "LOCALHOST:"+port)
	_, br := send(t, proxy, connect("Localhost:"+port))
	if status, _ := br.ReadString('\n'); !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("status line %q", status)
	}
}
