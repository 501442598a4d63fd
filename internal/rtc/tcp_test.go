package rtc

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5/test"
	"github.com/pion/webrtc/v4"
)

// TestICETCPOnTheWebPort publishes a take over ICE-TCP on the port the web
// server listens on while HTTP(S) requests are served from the same port.
func TestICETCPOnTheWebPort(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := "http"
		if useTLS {
			name = "https"
		}
		t.Run(name, func(t *testing.T) {
			lim := test.TimeOut(30 * time.Second)
			defer lim.Stop()
			report := test.CheckRoutines(t)
			defer report()

			e := newTestEngine(t, Config{TCP: true})
			defer func() {
				if err := e.Close(); err != nil {
					t.Errorf("close engine: %v", err)
				}
			}()

			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			webPort := ln.Addr().(*net.TCPAddr).Port
			var web net.Listener = e.SplitListener(ln)
			baseURL := "http://" + ln.Addr().String()
			httpClient := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
			if useTLS {
				cert, pool := selfSigned(t)
				web = tls.NewListener(web, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
				baseURL = "https://" + ln.Addr().String()
				httpClient.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
			}
			defer httpClient.CloseIdleConnections()

			srv := &http.Server{
				Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					_, _ = io.WriteString(w, "takeone")
				}),
				ReadHeaderTimeout: 5 * time.Second,
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(web) }()
			defer func() {
				_ = srv.Close()
				if err := <-served; !errors.Is(err, http.ErrServerClosed) {
					t.Errorf("serve: %v", err)
				}
			}()

			server := newReceiver(t, e)
			defer func() { _ = server.pc.Close() }()
			client := newPublisher(t, newClient(t, webrtc.NetworkTypeTCP4))
			defer client.close(t)

			answer := exchange(t, client.pc, server.pc, true)
			client.start()

			// Web requests on the same port while ICE-TCP connects and
			// media flows.
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() { get(t, httpClient, baseURL) })
			}
			server.waitMedia(t, 10*time.Second)
			wg.Wait()
			get(t, httpClient, baseURL)

			pair := selectedPair(t, server.pc)
			if pair.Local.Protocol != webrtc.ICEProtocolTCP || pair.Local.Port != uint16(webPort) { //nolint:gosec // a port
				t.Errorf("media flows on %s, want TCP on the web port %d", pair.Local, webPort)
			}
			var sawTCP bool
			for _, c := range candidates(t, answer) {
				switch c.NetworkType() {
				case ice.NetworkTypeTCP4:
					sawTCP = true
					if c.Port() != webPort || c.TCPType() != ice.TCPTypePassive {
						t.Errorf("TCP candidate %s, want passive on the web port %d", c, webPort)
					}
				case ice.NetworkTypeUDP4:
					if c.Port() != e.UDPAddr().Port {
						t.Errorf("UDP candidate %s, want the UDP port %d", c, e.UDPAddr().Port)
					}
				default:
					t.Errorf("unexpected candidate %s", c)
				}
			}
			if !sawTCP {
				t.Errorf("no TCP candidate in the answer:\n%s", answer)
			}
		})
	}
}

func get(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)

		return
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || string(body) != "takeone" {
		t.Errorf("GET %s: %d %q %v", url, resp.StatusCode, body, err)
	}
}
