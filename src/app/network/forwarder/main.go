// Command forwarder is proxy mode's only way out of the internal network that proxy-mode
// sandboxes join. It lets through exactly the host:port pairs given with -allow: HTTP CONNECT
// (https, ssh-over-CONNECT) and absolute-form plain http requests, with any method. Everything
// else gets 403 (a host:port not allowed) or 400 (a request it does not understand).
//
// gobox compiles this one file once per toolchain (src/app/proxy-forwarder.ts) and runs the
// binary in the gobox-proxy container. It uses only net, not net/http, so it builds in seconds
// with any Go since 1.17 and has no cgo, so it runs in any image. main_test.go tests it over
// loopback: `go test ./...` here, or `npm run test:go`.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"
)

// forwarder holds the allow-list; allowText is the list as given, for logs and 403 bodies.
type forwarder struct {
	allowed   map[string]bool
	allowText string
}

func newForwarder(allow string) *forwarder {
	f := &forwarder{allowed: map[string]bool{}, allowText: allow}
	for _, a := range strings.Split(allow, ",") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			f.allowed[a] = true
		}
	}
	return f
}

func main() {
	listen := flag.String("listen", ":3128", "address to listen on")
	allow := flag.String("allow", "", "comma-separated host:port pairs to let through")
	flag.Parse()
	f := newForwarder(*allow)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("gobox forwarder on %s allows only %s", *listen, f.allowText)
	f.serve(ln)
}

// serve accepts connections until the listener is closed (only tests close it). Other accept
// errors (out of file descriptors, say) are waited out rather than ending the forwarder.
func (f *forwarder) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go f.handle(c)
	}
}

func reply(c net.Conn, status, body string) {
	fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n", status, len(body)+1, body)
}

// handle serves one client connection: one CONNECT tunnel or one plain http request.
func (f *forwarder) handle(client net.Conn) {
	defer client.Close()
	client.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(client)
	line, err := br.ReadString('\n')
	if err != nil {
		return
	}
	parts := strings.Fields(line)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		reply(client, "400 Bad Request", "malformed request line")
		return
	}
	method, target := parts[0], parts[1]
	var headers []string
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if h = strings.TrimRight(h, "\r\n"); h == "" {
			break
		}
		if len(headers) >= 100 {
			reply(client, "431 Request Header Fields Too Large", "too many headers")
			return
		}
		headers = append(headers, h)
	}
	hostport, path := target, ""
	if method != "CONNECT" {
		if !strings.HasPrefix(strings.ToLower(target), "http://") {
			reply(client, "400 Bad Request", "gobox forwarder: only CONNECT and absolute http:// requests")
			return
		}
		rest := target[len("http://"):]
		hostport, path = rest, "/"
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			hostport, path = rest[:i], rest[i:]
		}
		if _, _, err := net.SplitHostPort(hostport); err != nil {
			hostport += ":80"
		}
	}
	hostport = strings.ToLower(hostport)
	if !f.allowed[hostport] {
		log.Printf("refused %s %s", method, hostport)
		reply(client, "403 Forbidden", "gobox proxy mode: "+hostport+" is not allowed (allowed: "+f.allowText+")")
		return
	}
	upstream, err := net.DialTimeout("tcp", hostport, 15*time.Second)
	if err != nil {
		reply(client, "502 Bad Gateway", "gobox forwarder: "+err.Error())
		return
	}
	defer upstream.Close()
	client.SetReadDeadline(time.Time{})
	if method == "CONNECT" {
		io.WriteString(client, "HTTP/1.1 200 Connection Established\r\n\r\n")
	} else {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s\r\n", method, path, parts[2])
		for _, h := range headers {
			name := strings.ToLower(strings.TrimSpace(strings.SplitN(h, ":", 2)[0]))
			if name == "proxy-connection" || name == "proxy-authorization" || name == "connection" || name == "keep-alive" {
				continue
			}
			b.WriteString(h + "\r\n")
		}
		// One request per connection keeps the forwarder from having to parse responses.
		b.WriteString("Connection: close\r\n\r\n")
		io.WriteString(upstream, b.String())
	}
	fromClient := make(chan struct{})
	fromUpstream := make(chan struct{})
	// br, not client: it may already hold bytes the client sent early (a TLS ClientHello, a body).
	go func() { io.Copy(upstream, br); closeWrite(upstream); close(fromClient) }()
	go func() { io.Copy(client, upstream); closeWrite(client); close(fromUpstream) }()
	select {
	case <-fromUpstream:
		// The server is done; a client that keeps its side open gets a moment, not forever.
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		<-fromClient
	case <-fromClient:
		<-fromUpstream
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}
