// Command xray stands in for the AWS X-Ray daemon where the real one cannot be had (its Go module is not served
// here). It reads the daemon's own config file, listens where that file says — UDP for segments, TCP where the
// daemon proxies the X-Ray API for the SDK's sampling calls — checks each datagram's header as the daemon does, and
// prints every segment it accepts as one JSON line on stdout instead of uploading it. It sends nothing anywhere.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"syscall"
	"time"
)

// The header every segment datagram starts with, on a line of its own.
type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// The fields the daemon requires of a segment document before it accepts it.
type segment struct {
	TraceID string `json:"trace_id"`
	ID      string `json:"id"`
	Type    string `json:"type"`
}

var stdout = json.NewEncoder(os.Stdout)

func emit(record map[string]any) {
	record["stand_in"] = "xray-daemon"
	if err := stdout.Encode(record); err != nil {
		log.Printf("writing a record: %v", err)
	}
}

// addresses reads Socket.UDPAddress and Socket.TCPAddress from the daemon's config file (format version 2).
func addresses(path string) (udp, tcp string, err error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	find := func(key string) string {
		match := regexp.MustCompile(`(?m)^\s+` + key + `:\s*"?([^"\s]+)"?\s*$`).FindSubmatch(text)
		if match == nil {
			return "127.0.0.1:2000"
		}
		return string(match[1])
	}
	return find("UDPAddress"), find("TCPAddress"), nil
}

// accept checks one datagram as the daemon does: a JSON header line, then a segment (or subsegment) document.
func accept(datagram []byte) (json.RawMessage, error) {
	line, body, found := bytes.Cut(datagram, []byte("\n"))
	if !found {
		return nil, errors.New("no header line")
	}
	var h header
	if err := json.Unmarshal(line, &h); err != nil || h.Format != "json" || h.Version != 1 {
		return nil, fmt.Errorf("header %q is not {\"format\":\"json\",\"version\":1}", line)
	}
	var s segment
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("segment is not a JSON object: %v", err)
	}
	if s.TraceID == "" || s.ID == "" {
		return nil, errors.New("segment without trace_id or id")
	}
	return json.RawMessage(body), nil
}

func serveUDP(conn net.PacketConn) {
	buffer := make([]byte, 64*1024)
	for {
		n, _, err := conn.ReadFrom(buffer)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Printf("reading a datagram: %v", err)
			continue
		}
		if doc, err := accept(buffer[:n]); err != nil {
			emit(map[string]any{"rejected": err.Error()})
		} else {
			emit(map[string]any{"segment": doc})
		}
	}
}

// samplingAPI answers the two calls the SDK's centralized sampling makes through the daemon with no rules, so the
// SDK falls back to its local ones.
func samplingAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /GetSamplingRules", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"SamplingRuleRecords":[]}`))
	})
	mux.HandleFunc("POST /SamplingTargets", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"SamplingTargetDocuments":[],"UnprocessedStatistics":[],"LastRuleModification":%d}`, time.Now().Unix())
	})
	return mux
}

func main() {
	config := flag.String("c", "/etc/amazon/xray/cfg.yaml", "the daemon's config file")
	flag.Parse()
	udpAddress, tcpAddress, err := addresses(*config)
	if err != nil {
		log.Fatalf("reading the config: %v", err)
	}
	conn, err := net.ListenPacket("udp", udpAddress)
	if err != nil {
		log.Fatalf("listening on UDP %s: %v", udpAddress, err)
	}
	listener, err := net.Listen("tcp", tcpAddress)
	if err != nil {
		log.Fatalf("listening on TCP %s: %v", tcpAddress, err)
	}
	server := &http.Server{Handler: samplingAPI(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("serving TCP: %v", err)
		}
	}()
	go serveUDP(conn)
	emit(map[string]any{"listening": map[string]string{"udp": udpAddress, "tcp": tcpAddress}})

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	_ = conn.Close()
	_ = server.Close()
}
