package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a fresh self-signed certificate for names and its key
// as PEM files in dir and returns their paths and the certificate.
func selfSigned(t *testing.T, dir, prefix string, names ...string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(dir, prefix+"cert.pem")
	keyFile = filepath.Join(dir, prefix+"key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile, cert
}

func TestFilesServe(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, cert := selfSigned(t, dir, "", "files.test")

	m, err := New(Config{Domains: []string{"files.test"}, CertFile: certFile, KeyFile: keyFile}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	if err := m.Obtain(t.Context()); err != nil {
		t.Fatalf("Obtain in files mode: %v", err)
	}

	ln, _ := listenLocal(t)
	serve(t, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "from files")
	}), m.TLSConfig())

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	resp, body := httpsGet(t, t.Context(), ln.Addr().String(), "files.test", "/", roots)
	if !resp.TLS.PeerCertificates[0].Equal(cert) {
		t.Error("served certificate is not the one from the file")
	}
	if body != "from files" {
		t.Errorf("body = %q", body)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol = %s, want HTTP/2", resp.Proto)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir, "a-", "files.test")
	_, otherKey, _ := selfSigned(t, dir, "b-", "files.test")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("this is not PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	storage := t.TempDir()

	files := func(cert, key string) Config {
		return Config{Domains: []string{"files.test"}, CertFile: cert, KeyFile: key}
	}
	acme := func(mod func(*Config)) Config {
		c := Config{Domains: []string{"takeone.test"}, CA: "https://127.0.0.1:14000/dir", StorageDir: storage}
		mod(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"no domains", Config{StorageDir: storage}, []string{"set server.domains"}},
		{"empty domain", Config{Domains: []string{" "}, StorageDir: storage}, []string{"server.domains", "empty"}},
		{"domain with scheme", Config{Domains: []string{"https://takeone.test"}, StorageDir: storage}, []string{`"https://takeone.test"`, "without scheme, port or path"}},
		{"domain with port", Config{Domains: []string{"takeone.test:443"}, StorageDir: storage}, []string{`"takeone.test:443"`, "without scheme, port or path"}},
		{"missing cert file", files(missing, keyFile), []string{missing, "cannot read the TLS certificate file (tls.cert_file)"}},
		{"missing key file", files(certFile, missing), []string{missing, "cannot read the TLS key file (tls.key_file)"}},
		{"garbage cert file", files(garbage, keyFile), []string{garbage, "no PEM certificate"}},
		{"garbage key file", files(certFile, garbage), []string{garbage, "no PEM private key"}},
		{"key does not match", files(certFile, otherKey), []string{otherKey, certFile, "does not match"}},
		{"cert without key", files(certFile, ""), []string{"must be set together"}},
		{"missing ca_root", acme(func(c *Config) { c.CARoot = missing }), []string{missing, "tls.ca_root"}},
		{"garbage ca_root", acme(func(c *Config) { c.CARoot = garbage }), []string{garbage, "tls.ca_root", "no PEM certificate"}},
		{"plain http CA", acme(func(c *Config) { c.CA = "http://127.0.0.1:14000/dir" }), []string{"tls.ca", "https://"}},
		{"wildcard over ACME", acme(func(c *Config) { c.Domains = []string{"*.takeone.test"} }), []string{"wildcard", "DNS-01"}},
		{"private name with Let's Encrypt", acme(func(c *Config) { c.CA = ""; c.Domains = []string{"localhost"} }), []string{`"localhost"`, "public CA"}},
		{"no storage", acme(func(c *Config) { c.StorageDir = "" }), []string{"StorageDir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.cfg, testLogger(t))
			if err == nil {
				m.Stop()
				t.Fatal("New succeeded")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestNormalizeDomains(t *testing.T) {
	got, err := normalizeDomains([]string{" TakeOne.Test. ", "takeone.test", "www.takeone.test", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"takeone.test", "www.takeone.test", "::1"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("normalizeDomains = %v, want %v", got, want)
	}
}
