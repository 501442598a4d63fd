package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
)

// normalizeDomains lower-cases, trims and de-duplicates the configured
// names, rejecting anything that is not a bare host name.
func normalizeDomains(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, errors.New(`no domains configured: set server.domains to the name(s) this server is reached at, e.g. ["interviews.example.com"]`)
	}
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, raw := range in {
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
		if d == "" {
			return nil, errors.New("server.domains has an empty entry: remove it")
		}
		_, _, portErr := net.SplitHostPort(d)
		if portErr == nil || strings.Contains(d, "://") || strings.ContainsAny(d, "/?#@ \t") {
			return nil, fmt.Errorf(`server.domains entry %q is not a bare host name: write it without scheme, port or path, e.g. "interviews.example.com"`, raw)
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}

// loadKeyPair reads the operator's certificate chain and key, with errors
// that name the file at fault and say what it should contain.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot read the TLS certificate file (tls.cert_file) %q: %w. Check the path and that the server's user may read it", certFile, err)
	}
	var chain [][]byte
	for rest := certPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			chain = append(chain, b.Bytes)
		}
	}
	if len(chain) == 0 {
		return tls.Certificate{}, fmt.Errorf("the TLS certificate file (tls.cert_file) %q has no PEM certificate (-----BEGIN CERTIFICATE-----): it must hold the certificate chain in PEM format, the server's certificate first", certFile)
	}
	var leaf *x509.Certificate
	for i, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("the TLS certificate file (tls.cert_file) %q: certificate #%d cannot be parsed: %w. Replace the file with an intact PEM copy", certFile, i+1, err)
		}
		if i == 0 {
			leaf = c
		}
	}

	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot read the TLS key file (tls.key_file) %q: %w. Check the path and that the server's user may read it", keyFile, err)
	}
	var keyBlock *pem.Block
	for rest := keyPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type == "PRIVATE KEY" || strings.HasSuffix(b.Type, " PRIVATE KEY") {
			keyBlock = b
			break
		}
	}
	if keyBlock == nil {
		return tls.Certificate{}, fmt.Errorf("the TLS key file (tls.key_file) %q has no PEM private key (-----BEGIN PRIVATE KEY-----): point it at the private key of the certificate in %q", keyFile, certFile)
	}
	if keyBlock.Type == "ENCRYPTED PRIVATE KEY" {
		return tls.Certificate{}, fmt.Errorf("the TLS key file (tls.key_file) %q is encrypted: store it without a passphrase (e.g. openssl pkey -in key.pem -out plain.pem)", keyFile)
	}
	key, err := parsePrivateKey(keyBlock.Bytes)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("the TLS key file (tls.key_file) %q: the private key cannot be parsed: %w. It must be an unencrypted RSA, ECDSA or Ed25519 key in PEM format", keyFile, err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return tls.Certificate{}, fmt.Errorf("the TLS key file (tls.key_file) %q does not match the certificate in %q: use the private key that the certificate was issued for (or the certificate issued for this key)", keyFile, certFile)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// parsePrivateKey accepts the same encodings as tls.X509KeyPair.
func parsePrivateKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		switch k := k.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		default:
			return nil, fmt.Errorf("unsupported key type %T", k)
		}
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a PKCS#1, PKCS#8 or SEC 1 private key")
}

// warnUncovered logs, without failing, what browsers will complain about:
// an operator may knowingly use a certificate that is about to be replaced.
func warnUncovered(logger *slog.Logger, certFile string, leaf *x509.Certificate, domains []string) {
	for _, d := range domains {
		if err := leaf.VerifyHostname(d); err != nil {
			logger.Warn("TLS: the certificate does not cover a configured domain; browsers will reject it for that name",
				"cert_file", certFile, "domain", d, "certificate_names", leaf.DNSNames)
		}
	}
	if now := time.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		logger.Warn("TLS: the certificate is not valid now; browsers will reject it",
			"cert_file", certFile, "not_before", leaf.NotBefore, "not_after", leaf.NotAfter)
	}
}

// loadCARoots returns the system roots plus the certificates in path, for
// talking to an internal or test ACME CA.
func loadCARoots(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the tls.ca_root file %q: %w. Check the path and that the server's user may read it", path, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("the tls.ca_root file %q has no PEM certificate (-----BEGIN CERTIFICATE-----): it must hold the ACME CA's root certificate(s) in PEM format", path)
	}
	return pool, nil
}
