// Command probe is the smoke check's pod image (no image can be pulled here): it serves HTTP, or checks DNS,
// TCP and HTTP from inside a pod and exits non-zero on the first failure.
//
//	probe serve :8080
//	probe dns kubernetes.default.svc.cluster.local  tcp 10.96.0.1:443  http http://svc:8080/
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) == 2 && args[0] == "serve" {
		serve(args[1])
		return
	}
	if len(args) == 0 || len(args)%2 != 0 {
		fmt.Fprintln(os.Stderr, "usage: probe serve ADDR | probe (dns NAME|tcp HOST:PORT|http URL)...")
		os.Exit(2)
	}
	for i := 0; i < len(args); i += 2 {
		if err := check(args[i], args[i+1]); err != nil {
			fmt.Printf("FAIL %s %s: %v\n", args[i], args[i+1], err)
			os.Exit(1)
		}
	}
}

func serve(addr string) {
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "probe %s\n", host) })
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func check(kind, target string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	switch kind {
	case "dns":
		addrs, err := net.DefaultResolver.LookupHost(ctx, target)
		if err != nil {
			return err
		}
		fmt.Printf("ok dns %s %v\n", target, addrs)
	case "tcp":
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
		if err != nil {
			return err
		}
		fmt.Printf("ok tcp %s from %s\n", target, conn.LocalAddr())
		return conn.Close()
	case "http":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		// Straight to the target: a proxy from the environment is never wanted here.
		res, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(res.Body, 256))
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		fmt.Printf("ok http %s %q\n", target, body)
	default:
		return fmt.Errorf("unknown check %q", kind)
	}
	return nil
}
