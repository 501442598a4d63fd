package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/takeone/takeone/internal/certs"
	"github.com/takeone/takeone/internal/config"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/rtc"
)

// obtainTimeout bounds the wait for certificates at start: a CA that cannot validate us fails the start.
const obtainTimeout = 3 * time.Minute

func (a *App) serveCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "serve",
		Short: "Starts Takeone (web app, API, recorder)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			err := a.serve(c.Context())
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		},
	}
	// read by config.ParseFlags before the app is built; declared here for --help and so cobra accepts it
	c.Flags().String("http", "", "address to listen on without domains (default 127.0.0.1:8090; server.http)")
	return c
}

// listeners are bound before PocketBase opens the data dir, so a port in use stops the start with nothing written.
type listeners struct {
	web   net.Listener // server.http, or :443 with domains
	plain net.Listener // :80 with domains (ACME HTTP-01 and the redirect), else nil
}

func (a *App) bindListeners() error {
	if !a.Config.HTTPS() {
		l, err := listen(a.Config.Server.HTTP, "server.http")
		a.listeners.web = l
		return err
	}
	l443, err := listen(":443", "server.domains (HTTPS)")
	if err != nil {
		return err
	}
	l80, err := listen(":80", "server.domains (ACME HTTP-01 and the redirect to HTTPS)")
	if err != nil {
		l443.Close()
		return err
	}
	a.listeners = listeners{web: l443, plain: l80}
	return nil
}

func (a *App) closeListeners() {
	for _, l := range []net.Listener{a.listeners.web, a.listeners.plain} {
		if l != nil {
			l.Close()
		}
	}
}

// bindWebRTC binds the WebRTC UDP port and diverts ICE-TCP from the web port.
func (a *App) bindWebRTC() (*rtc.Engine, error) {
	cfg := a.Config
	engine, err := rtc.New(rtc.Config{
		UDPPort:     cfg.WebRTC.UDPPort,
		UDPAddr:     mediaHost(cfg),
		TCP:         cfg.WebRTC.TCP,
		PublicIPs:   cfg.WebRTC.PublicIPs,
		STUNServers: cfg.WebRTC.STUNServers,
	}, slog.Default())
	if err != nil {
		return nil, err
	}
	a.listeners.web = engine.SplitListener(a.listeners.web)
	a.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		err := e.Next() // the ingest's own hook saves the live takes first
		engine.Close()
		return err
	})
	return engine, nil
}

// mediaHost is the address the media port binds: the web server's own address when it listens on one address
// (127.0.0.1 by default, so a local install announces nothing else), every address otherwise.
func mediaHost(cfg *config.Config) string {
	if cfg.HTTPS() {
		return ""
	}
	host, _, _ := net.SplitHostPort(cfg.Server.HTTP)
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		return host
	}
	return ""
}

// newIngest prepares the recorder's routes and its dir of takes in progress.
func (a *App) newIngest(engine *rtc.Engine) (*ingest.Ingest, error) {
	cfg := a.Config
	return ingest.New(a, engine, ingest.Config{
		Dir:         filepath.Join(cfg.DataDirAbs(), "recordings"),
		PublicURL:   cfg.Server.PublicURL,
		MaxSessions: cfg.Recording.MaxSessions,
		MaxAnswer:   cfg.MaxAnswer(),
	})
}

// serve gets the certificates (with domains), then hands the listener to PocketBase's server.
func (a *App) serve(ctx context.Context) error {
	cfg := a.Config
	listener := a.listeners.web
	if listener == nil {
		return errors.New("serve: listeners not bound") // Start binds them; reaching this is a bug
	}
	var tlsConfig *tls.Config // with domains, the config the listener negotiates with
	if cfg.HTTPS() {
		l, tc, err := a.startTLS(ctx)
		if err != nil {
			return err
		}
		listener, tlsConfig = l, tc
	}

	a.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Listener = listener
		e.Server.Addr = listener.Addr().String()
		if tlsConfig != nil {
			// PocketBase's server carries a TLS config without "h2", so net/http would not set up HTTP/2 and would
			// answer the h2 our listener negotiates (with every browser) in HTTP/1.1, breaking the connection. With
			// the listener's config (a copy: net/http may add to it) it serves HTTP/2.
			e.Server.TLSConfig = tlsConfig.Clone()
		}
		e.InstallerFunc = nil // Takeone's first-admin link replaces PocketBase's superuser installer
		if err := e.Next(); err != nil {
			return err
		}
		a.printBanner()
		return nil
	})

	return apis.Serve(a, apis.ServeConfig{
		HttpAddr:       listener.Addr().String(),
		AllowedOrigins: []string{origin(cfg.Server.PublicURL)},
	})
}

// startTLS serves ACME challenges and the redirect on :80, gets the certificates, and wraps :443 in TLS.
func (a *App) startTLS(ctx context.Context) (net.Listener, *tls.Config, error) {
	cfg := a.Config
	m, err := certs.New(certs.Config{
		Domains:    cfg.Server.Domains,
		Email:      cfg.TLS.Email,
		CA:         cfg.TLS.CA,
		CARoot:     cfg.TLS.CARoot,
		CertFile:   cfg.TLS.CertFile,
		KeyFile:    cfg.TLS.KeyFile,
		StorageDir: filepath.Join(cfg.DataDirAbs(), "certs"),
	}, slog.New(a.Logger().Handler()))
	if err != nil {
		return nil, nil, err
	}

	redirect := &http.Server{Handler: m.HTTPHandler(http.HandlerFunc(certs.RedirectToHTTPS)), ReadHeaderTimeout: 10 * time.Second}
	go redirect.Serve(a.listeners.plain) //nolint:errcheck // ends with ErrServerClosed at shutdown
	a.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		m.Stop()
		redirect.Close()
		return e.Next()
	})

	obtainCtx, cancel := context.WithTimeout(ctx, obtainTimeout)
	defer cancel()
	if err := m.Obtain(obtainCtx); err != nil {
		return nil, nil, err
	}
	tlsConfig := m.TLSConfig()
	return tls.NewListener(a.listeners.web, tlsConfig), tlsConfig, nil
}

// listen binds a TCP address and explains the usual failures.
func listen(addr, key string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err == nil {
		return l, nil
	}
	switch {
	case errors.Is(err, errAddrInUse):
		return nil, fmt.Errorf("cannot listen on %s (%s): another program already uses this port. Stop it (e.g. `ss -ltnp 'sport = %s'` shows which) or choose another address", addr, key, port(addr))
	case errors.Is(err, errPermission):
		return nil, fmt.Errorf("cannot listen on %s (%s): permission denied. Ports below 1024 need root or CAP_NET_BIND_SERVICE (install.sh's service has it)", addr, key)
	case errors.Is(err, errAddrNotAvail):
		return nil, fmt.Errorf("cannot listen on %s (%s): this machine has no such address. Use 0.0.0.0 or one of its own addresses", addr, key)
	}
	return nil, fmt.Errorf("cannot listen on %s (%s): %w", addr, key, err)
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return ":" + p
}

func origin(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return publicURL
	}
	return u.Scheme + "://" + u.Host
}

func (a *App) printBanner() {
	cfg := a.Config
	fmt.Printf("Takeone %s is running at %s\n", Version, cfg.Server.PublicURL)
	fmt.Printf("├─ REST API: %s/api/\n", cfg.Server.PublicURL)
	media := fmt.Sprintf("UDP port %d", cfg.WebRTC.UDPPort)
	if cfg.WebRTC.TCP {
		media += fmt.Sprintf(", and TCP on port %d when UDP is blocked", cfg.ListenPort())
	}
	fmt.Printf("├─ Media (WebRTC): %s\n", media)
	fmt.Printf("└─ Operators' admin (PocketBase): %s/_/ (create its account with `%s superuser upsert EMAIL PASSWORD`)\n", cfg.Server.PublicURL, executable())
	if link, ok := a.Setup.Link(cfg.Server.PublicURL); ok {
		fmt.Printf("\nNo admin account yet. Create the first one here:\n  %s\n\n", link)
		a.Logger().Info("Create the first admin account", "url", link)
	}
}
