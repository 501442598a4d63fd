package certs_test

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/takeone/takeone/internal/certs"
)

// The start-up order matters: the :80 listener must serve HTTPHandler
// before Obtain, because that is where the CA fetches the challenge.
func Example() {
	m, err := certs.New(certs.Config{
		Domains:    []string{"interviews.example.com"},
		Email:      "ops@example.com",
		StorageDir: "/var/lib/takeone/certs",
	}, slog.Default())
	if err != nil {
		log.Fatal(err) // names the file or setting to fix
	}
	defer m.Stop()

	go func() {
		// Challenges are answered here; everything else is redirected.
		log.Fatal(http.ListenAndServe(":80", m.HTTPHandler(nil)))
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := m.Obtain(ctx); err != nil {
		log.Fatal(err) // e.g. "cannot reach the ACME CA at ...: .... Check tls.ca, ..."
	}

	srv := &http.Server{Addr: ":443", Handler: http.NotFoundHandler(), TLSConfig: m.TLSConfig()}
	log.Fatal(srv.ListenAndServeTLS("", ""))
}
