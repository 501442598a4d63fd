// Package certs provides the certificates for the configured domains,
// through ACME or from files.
//
// With ACME (the default) certificates come from Let's Encrypt or any
// other ACME CA, are kept in a storage directory and renewed in the
// background. Only the HTTP-01 challenge is used: the CA fetches a token
// over plain HTTP on port 80, which the app answers through
// [Manager.HTTPHandler] on its own port-80 listener.
//
// With an operator-provided certificate and key (Config.CertFile and
// Config.KeyFile) no ACME traffic happens at all.
//
// Typical start-up:
//
//	m, err := certs.New(cfg, logger)
//	if err != nil { ... }
//	defer m.Stop()
//	go (&http.Server{Addr: ":80", Handler: m.HTTPHandler(nil)}).ListenAndServe() // must be up before Obtain
//	if err := m.Obtain(ctx); err != nil { ... } // fails fast, with advice for the operator
//	srv := &http.Server{Addr: ":443", Handler: app, TLSConfig: m.TLSConfig()}
//	srv.ListenAndServeTLS("", "")
package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

const (
	// DefaultHTTPChallengePort is the port ACME CAs connect to for HTTP-01.
	DefaultHTTPChallengePort = 80

	// DefaultObtainTimeout bounds Obtain when the caller's context has no
	// deadline, so an unreachable or stalled CA cannot hold start-up forever.
	DefaultObtainTimeout = 5 * time.Minute

	// authzPollTimeout is how long the ACME client waits for the CA to
	// finish validating one domain (acmez's default is 5 minutes).
	authzPollTimeout = 2 * time.Minute
)

// Config says which names to serve over HTTPS and where their certificates
// come from.
//
// Example (ACME with Let's Encrypt):
//
//	certs.Config{
//		Domains:    []string{"interviews.example.com"},
//		Email:      "ops@example.com",
//		StorageDir: filepath.Join(dataDir, "certs"),
//	}
//
// Example (own certificate, no ACME):
//
//	certs.Config{
//		Domains:  []string{"interviews.example.com"},
//		CertFile: "/etc/takeone/fullchain.pem",
//		KeyFile:  "/etc/takeone/privkey.pem",
//	}
type Config struct {
	// Domains are the names to serve over HTTPS; must be non-empty.
	// With ACME each name gets its own certificate.
	Domains []string
	// Email is the ACME account email (optional); the CA uses it for
	// expiry and policy notices.
	Email string
	// CA is the ACME directory URL; "" means Let's Encrypt production.
	CA string
	// CARoot is an optional PEM file whose certificates are trusted, in
	// addition to the system roots, when talking to the CA (an internal
	// CA, or a test CA).
	CARoot string
	// CertFile is the operator's own certificate chain (PEM, leaf first);
	// with KeyFile, no ACME at all.
	CertFile string
	// KeyFile is the PEM private key for CertFile.
	KeyFile string
	// StorageDir is where ACME accounts and certificates are kept (the app
	// passes <data_dir>/certs). Required for ACME.
	StorageDir string
	// HTTPChallengePort is the port the ACME CA connects to for HTTP-01,
	// and so the port the app serves HTTPHandler on; 0 means 80. Only
	// tests change it.
	HTTPChallengePort int
}

// Manager serves the certificates for the configured domains. Create it
// with [New]; it is safe for concurrent use.
type Manager struct {
	logger   *slog.Logger
	domains  []string
	ca       string
	httpPort int

	// ACME mode.
	magic *certmagic.Config
	cache *certmagic.Cache
	acme  *certmagic.ACMEIssuer

	// Files mode.
	fileCert *tls.Certificate

	stopOnce sync.Once
}

// New validates cfg and prepares a Manager. In files mode it loads
// CertFile and KeyFile now; a missing, unreadable or mismatched file gives
// an error that names the file and says what to fix. In ACME mode nothing
// is contacted until [Manager.Obtain].
//
// A nil logger discards log output.
func New(cfg Config, logger *slog.Logger) (*Manager, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	domains, err := normalizeDomains(cfg.Domains)
	if err != nil {
		return nil, err
	}
	m := &Manager{logger: logger, domains: domains}

	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return nil, errors.New("a TLS certificate file and its key file must be set together (got only one); set both, or neither to use ACME")
		}
		cert, err := loadKeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, err
		}
		warnUncovered(logger, cfg.CertFile, cert.Leaf, domains)
		m.fileCert = &cert
		logger.Info("TLS: using certificate files, ACME disabled",
			"cert_file", cfg.CertFile, "domains", domains, "not_after", cert.Leaf.NotAfter)
		return m, nil
	}

	m.ca = cfg.CA
	if m.ca == "" {
		m.ca = certmagic.LetsEncryptProductionCA
	}
	if u, err := url.Parse(m.ca); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("tls.ca %q is not an https:// ACME directory URL (for example %s)", cfg.CA, certmagic.LetsEncryptProductionCA)
	}
	for _, d := range domains {
		if strings.HasPrefix(d, "*.") {
			return nil, fmt.Errorf("server.domains entry %q is a wildcard: wildcard certificates need the DNS-01 challenge, which is not supported; list each name, or use your own certificate files", d)
		}
		if m.ca == certmagic.LetsEncryptProductionCA && !certmagic.SubjectQualifiesForPublicCert(d) {
			return nil, fmt.Errorf("server.domains entry %q cannot get a certificate from a public CA (Let's Encrypt): use a public DNS name, or set tls.ca to an internal ACME CA, or use your own certificate files", d)
		}
	}
	if cfg.StorageDir == "" {
		return nil, errors.New("certs: StorageDir is empty; ACME needs a directory to keep accounts and certificates")
	}
	m.httpPort = cfg.HTTPChallengePort
	if m.httpPort == 0 {
		m.httpPort = DefaultHTTPChallengePort
	}
	if m.httpPort < 0 || m.httpPort > 65535 {
		return nil, fmt.Errorf("certs: HTTPChallengePort %d is not a TCP port", m.httpPort)
	}

	var roots *x509.CertPool
	if cfg.CARoot != "" {
		if roots, err = loadCARoots(cfg.CARoot); err != nil {
			return nil, err
		}
	}

	zl := newZapLogger(logger)
	// An explicit cache and config rather than certmagic.Default: this
	// Manager's settings, cache and Stop are its own.
	var magic *certmagic.Config
	cache := certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return magic, nil },
		Logger:           zl,
	})
	magic = certmagic.New(cache, certmagic.Config{
		Storage: &certmagic.FileStorage{Path: cfg.StorageDir},
		// Clients without SNI (e.g. visiting by IP) still get a certificate.
		DefaultServerName: domains[0],
		// Let's Encrypt no longer runs OCSP; stapling would only add an
		// outbound fetch while loading certificates.
		OCSP:   certmagic.OCSPConfig{DisableStapling: true},
		Logger: zl,
		// Non-nil so certmagic.New does not build a default issuer; set below.
		Issuers: []certmagic.Issuer{},
	})
	iss := certmagic.NewACMEIssuer(magic, certmagic.ACMEIssuer{
		CA:     m.ca,
		Email:  cfg.Email,
		Agreed: true,
		// HTTP-01 only: the app owns :443 and its TLS config.
		DisableTLSALPNChallenge: true,
		// certmagic's HTTP-01 solver tries to bind ListenHost:AltHTTPPort
		// and, when that socket is taken, leaves the challenge to whoever
		// holds it. Pointing it at the exact socket the app serves
		// HTTPHandler on (all interfaces, HTTPChallengePort) means it finds
		// the app there; Obtain checks that before any order is placed.
		// HTTPHandler finds the challenge in certmagic's process-wide
		// memory (or, via the distributed solver, in StorageDir).
		ListenHost:        "",
		AltHTTPPort:       m.httpPort,
		TrustedRoots:      roots,
		CertObtainTimeout: authzPollTimeout,
		Logger:            zl,
	})
	var issuer certmagic.Issuer = iss
	if cfg.Email == "" {
		issuer = noPromptIssuer{iss}
	}
	magic.Issuers = []certmagic.Issuer{issuer}

	m.magic, m.cache, m.acme = magic, cache, iss
	logger.Info("TLS: certificates through ACME", "ca", m.ca, "domains", domains, "storage", cfg.StorageDir)
	return m, nil
}

// noPromptIssuer keeps certmagic from prompting on stdin for an email
// address when none is configured: its synchronous (interactive) path
// would otherwise read os.Stdin, which blocks a server started from a
// terminal. It is used only without an email, because certmagic sends the
// ARI "replaces" hint on renewal only for a bare *ACMEIssuer.
type noPromptIssuer struct{ *certmagic.ACMEIssuer }

// PreCheck implements certmagic.PreChecker, never interactively.
func (i noPromptIssuer) PreCheck(ctx context.Context, names []string, _ bool) error {
	return i.ACMEIssuer.PreCheck(ctx, names, false)
}

// Obtain makes certificates for all domains ready to serve: each is loaded
// from storage, renewed if due, or obtained from the CA. It is synchronous,
// so the server can fail fast at start with an error that says what the
// operator should check (CA unreachable, domain not validated, ...); the
// original error stays reachable with errors.Is/As.
//
// With ACME the app's HTTP listener on HTTPChallengePort (80) must already
// be serving [Manager.HTTPHandler], since that is where the CA fetches the
// challenge; Obtain returns an error if nothing is listening there. If ctx
// has no deadline, Obtain gives up after [DefaultObtainTimeout].
//
// In files mode Obtain does nothing.
func (m *Manager) Obtain(ctx context.Context) error {
	if m.magic == nil {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultObtainTimeout)
		defer cancel()
	}
	if err := m.checkChallengeListener(); err != nil {
		return err
	}
	for _, d := range m.domains {
		start := time.Now()
		// One name at a time, so an error can say which domain failed.
		var tr caTrace
		if err := m.magic.ManageSync(tr.withContext(ctx), []string{d}); err != nil {
			return explain(err, d, m.ca, &tr)
		}
		m.logReady(d, time.Since(start))
	}
	return nil
}

// checkChallengeListener fails when nothing holds the HTTP-01 port. The
// probe is the same bind certmagic's solver would attempt: if it succeeds,
// certmagic would open its own listener (and the app's would then fail),
// so refuse instead. Other bind errors (e.g. no permission for port 80)
// are left to certmagic, which then dials the port to see if it is served.
func (m *Manager) checkChallengeListener() error {
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(m.httpPort)))
	if err != nil {
		return nil
	}
	_ = ln.Close()
	return fmt.Errorf("nothing is listening on port %d to answer ACME HTTP-01 challenges for %s: start the HTTP listener serving Manager.HTTPHandler on port %d before calling Obtain",
		m.httpPort, strings.Join(m.domains, ", "), m.httpPort)
}

func (m *Manager) logReady(domain string, took time.Duration) {
	for _, c := range m.cache.AllMatchingCertificates(domain) {
		if c.Leaf == nil {
			continue
		}
		m.logger.Info("TLS: certificate ready", "domain", domain, "not_after", c.Leaf.NotAfter,
			"issuer", c.Leaf.Issuer.CommonName, "took", took.Round(time.Millisecond).String())
		return
	}
}

// TLSConfig returns a new TLS configuration for the HTTPS listener: TLS 1.2
// or later, the managed certificates chosen by SNI (or the file
// certificate), and ALPN for HTTP/2 and HTTP/1.1. With ACME, certificates
// renewed in the background are picked up without a restart.
//
// Example:
//
//	srv := &http.Server{Addr: ":443", Handler: app, TLSConfig: m.TLSConfig()}
//	err := srv.ListenAndServeTLS("", "")
func (m *Manager) TLSConfig() *tls.Config {
	c := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
	}
	if m.magic != nil {
		c.GetCertificate = m.magic.GetCertificate
	} else {
		c.Certificates = []tls.Certificate{*m.fileCert}
	}
	return c
}

// HTTPHandler returns the handler for the plain-HTTP (:80) listener: it
// answers ACME HTTP-01 challenges and passes every other request to
// fallback. A nil fallback means [RedirectToHTTPS]. In files mode it is
// just fallback.
//
// Example:
//
//	go http.ListenAndServe(":80", m.HTTPHandler(nil))
func (m *Manager) HTTPHandler(fallback http.Handler) http.Handler {
	if fallback == nil {
		fallback = http.HandlerFunc(RedirectToHTTPS)
	}
	if m.acme == nil {
		return fallback
	}
	return m.acme.HTTPChallengeHandler(fallback)
}

// Stop stops background renewal. It is safe to call more than once; the
// Manager keeps serving the certificates it has.
func (m *Manager) Stop() {
	m.stopOnce.Do(func() {
		if m.cache != nil {
			m.cache.Stop()
		}
	})
}

// RedirectToHTTPS answers with a 308 Permanent Redirect to the same host
// (without any port, so the default 443 applies), path and query over
// https. 308 keeps the method and body, unlike 301. A request without a
// Host gets 400.
//
// Example: http://interviews.example.com:80/join?c=1 ->
// https://interviews.example.com/join?c=1
func RedirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
		if strings.Contains(h, ":") { // IPv6 literal
			host = "[" + h + "]"
		}
	}
	if host == "" {
		http.Error(w, "missing Host header", http.StatusBadRequest)
		return
	}
	target := url.URL{Scheme: "https", Host: host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if target.Path == "" {
		target.Path = "/"
	}
	http.Redirect(w, r, target.String(), http.StatusPermanentRedirect)
}
