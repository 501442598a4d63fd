package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mholt/acmez/v3/acme"
)

// Advice appended to the errors an operator is most likely to hit.
const (
	adviceCA     = "Check tls.ca, the server's outbound network and firewall, and tls.ca_root for an internal CA"
	adviceHTTP01 = "Check that the domain's DNS A/AAAA records point to this server and that port 80/tcp is open to the internet"
)

// obtainError carries a message written for the operator while keeping
// the error certmagic/ACME reported reachable through errors.Is/As. The
// message quotes only the root cause, not certmagic's whole chain.
type obtainError struct {
	msg string
	err error
}

func (e *obtainError) Error() string { return e.msg }
func (e *obtainError) Unwrap() error { return e.err }

// caTrace watches, through the context of ACME requests, whether the CA
// answered at all and which transport error happened last. When Obtain
// runs out of time, acmez returns a bare context error; this tells "the CA
// never answered" apart from "the CA answered but validation did not end".
type caTrace struct {
	answered atomic.Bool
	mu       sync.Mutex
	netErr   error
}

func (c *caTrace) withContext(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotFirstResponseByte: func() { c.answered.Store(true) },
		DNSDone:              func(i httptrace.DNSDoneInfo) { c.failed(i.Err) },
		ConnectDone:          func(_, _ string, err error) { c.failed(err) },
		TLSHandshakeDone:     func(_ tls.ConnectionState, err error) { c.failed(err) },
	})
}

func (c *caTrace) failed(err error) {
	if err != nil {
		c.mu.Lock()
		c.netErr = err
		c.mu.Unlock()
	}
}

func (c *caTrace) lastNetErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.netErr
}

// explain turns an error from certmagic's ManageSync for domain into one
// that says what to check. tr may be nil.
func explain(err error, domain, ca string, tr *caTrace) error {
	if err == nil {
		return nil
	}
	wrap := func(format string, args ...any) error {
		return &obtainError{msg: fmt.Sprintf(format, args...), err: err}
	}

	// The CA answered with an ACME problem. Validation failures carry the
	// authorization they belong to, so the message can name the domain.
	var prob acme.Problem
	if errors.As(err, &prob) {
		authz, isAuthz := prob.Resource.(acme.Authorization)
		if isAuthz && authz.IdentifierValue() != "" {
			domain = authz.IdentifierValue()
		}
		cause := problemCause(prob)
		switch prob.Type {
		case acme.ProblemTypeCAA:
			return wrap("the ACME CA at %s may not issue for %s: %s. Check the domain's CAA DNS records allow this CA", ca, domain, cause)
		case acme.ProblemTypeRateLimited:
			return wrap("the ACME CA at %s is rate-limiting certificates for %s: %s. Wait until the limit resets (restarting repeatedly makes it worse)", ca, domain, cause)
		case acme.ProblemTypeRejectedIdentifier, acme.ProblemTypeUnsupportedIdentifier:
			return wrap("the ACME CA at %s refuses to issue a certificate for %s: %s. Check server.domains", ca, domain, cause)
		case acme.ProblemTypeExternalAccountRequired:
			return wrap("the ACME CA at %s requires an external account binding, which is not supported: %s. Use another CA (tls.ca) or your own certificate files", ca, cause)
		case acme.ProblemTypeConnection, acme.ProblemTypeDNS, acme.ProblemTypeIncorrectResponse, acme.ProblemTypeTLS:
			isAuthz = true
		}
		// A failed authorization is a failed HTTP-01 validation, whatever
		// the problem type ("unauthorized" alone may also be about the
		// account, so it counts only with an authorization).
		if isAuthz {
			return wrap("the ACME CA could not validate %s over HTTP-01: %s. %s", domain, cause, adviceHTTP01)
		}
		return wrap("the ACME CA at %s did not issue a certificate for %s: %s. %s", ca, domain, cause, adviceCA)
	}

	// No answer from the CA: the HTTP client reports url.Error; the rest
	// are the same causes if they surface unwrapped.
	if cause := networkCause(err); cause != nil {
		return wrap("cannot reach the ACME CA at %s: %v. %s", ca, cause, adviceCA)
	}

	switch {
	case errors.Is(err, context.Canceled):
		return wrap("obtaining a certificate for %s was canceled: %v", domain, err)
	case errors.Is(err, context.DeadlineExceeded) && (tr == nil || !tr.answered.Load()):
		cause := "no answer in time"
		if tr != nil && tr.lastNetErr() != nil {
			cause += ", last error: " + tr.lastNetErr().Error()
		}
		return wrap("cannot reach the ACME CA at %s: %s (%v). %s", ca, cause, context.DeadlineExceeded, adviceCA)
	case errors.Is(err, context.DeadlineExceeded):
		return wrap("gave up on the ACME CA at %s: it answered but did not finish validating %s in time (%v). %s", ca, domain, context.DeadlineExceeded, adviceHTTP01)
	}
	return wrap("obtaining a certificate for %s from the ACME CA at %s failed: %v", domain, ca, err)
}

// problemCause is the CA's own explanation, which is what an operator can
// act on ("Connection refused", "404 from http://...").
func problemCause(p acme.Problem) string {
	parts := []string{}
	if p.Detail != "" {
		parts = append(parts, p.Detail)
	}
	for _, sp := range p.Subproblems {
		s := sp.Detail
		if sp.Identifier.Value != "" {
			s = sp.Identifier.Value + ": " + s
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return strings.TrimPrefix(p.Type, acme.ProblemTypeNamespace)
	}
	return strings.Join(parts, "; ")
}

// networkCause returns the transport-level reason a request to the CA
// failed, or nil if err is not one.
func networkCause(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	var (
		opErr   *net.OpError
		dnsErr  *net.DNSError
		verErr  *tls.CertificateVerificationError
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
	)
	for _, target := range []any{&opErr, &dnsErr, &verErr, &authErr, &hostErr, &recErr} {
		if errors.As(err, target) {
			return err
		}
	}
	return nil
}
