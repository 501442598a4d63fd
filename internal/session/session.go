// Package session serves the candidate's page: what it shows (GET /api/takeone/session/{token}), the consent,
// one tab at a time, starting takes of the questions and of the practice question (recorded by the ingest),
// playing back their own takes, and submitting answers until the interview is complete. The candidate's token is
// their only key and opens nothing but their own interview. The team's preview of the page is here too.
package session

import (
	"net/http"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/internal/candidate"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/mail"
)

// Config is what the candidate's page is told beyond the records.
type Config struct {
	RetentionDays int    // how long answers are kept, told in the consent step
	PublicURL     string // base of the links in the team's emails
	Outbox        *mail.Outbox
}

// Session holds the candidate routes and which tab holds each candidate's page.
type Session struct {
	cfg    Config
	ingest *ingest.Ingest

	mu     sync.Mutex
	leases map[string]lease // by candidate id

	previews previews
}

// New prepares the candidate routes; takes go through in.
func New(in *ingest.Ingest, cfg Config) *Session {
	return &Session{cfg: cfg, ingest: in, leases: map[string]lease{}}
}

// Bind adds the candidate's routes.
func (s *Session) Bind(r *router.Router[*core.RequestEvent]) {
	r.GET("/api/takeone/session/{token}", s.view)
	r.POST("/api/takeone/session/{token}/consent", s.consent)
	r.POST("/api/takeone/session/{token}/claim", s.claim)
	r.POST("/api/takeone/session/{token}/questions/{questionId}/takes", s.startTake)
	r.POST("/api/takeone/session/{token}/practice", s.startPractice)
	r.DELETE("/api/takeone/session/{token}/live", s.interruptLive)
	r.GET("/api/takeone/session/{token}/answers/{answer}/video", s.answerVideo)
	r.POST("/api/takeone/session/{token}/answers/{answer}/submit", s.submit)
	r.GET("/api/takeone/session/{token}/practice/{take}/video", s.practiceVideo)
	s.bindPreview(r)
}

// find answers a request's link: the candidate and their interview, or the error already sent when nil.
func find(e *core.RequestEvent) (*core.Record, *core.Record, error) {
	cand, err := candidate.ByToken(e.App, e.Request.PathValue("token"))
	if err != nil {
		return nil, nil, e.NotFoundError(candidate.UnknownMessage, nil)
	}
	return cand, candidate.Interview(e.App, cand), nil
}

// findOpen is find for routes that change something: the link must still be open.
func findOpen(e *core.RequestEvent) (*core.Record, *core.Record, error) {
	cand, interview, err := find(e)
	if cand == nil {
		return nil, nil, err
	}
	if state := candidate.StateOf(cand, interview, time.Now()); state != candidate.Open {
		return nil, nil, e.Error(http.StatusGone, state.Message(), nil)
	}
	return cand, interview, nil
}
