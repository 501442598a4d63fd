package session

import (
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/pb_migrations"
)

// consent answers POST /api/takeone/session/{token}/consent: the candidate accepted how their answers are
// recorded and kept. Nothing is recorded before it.
func (s *Session) consent(e *core.RequestEvent) error {
	cand, _, err := findOpen(e)
	if cand == nil {
		return err
	}
	if cand.GetDateTime("consent_at").IsZero() {
		cand.Set("consent_at", types.NowDateTime())
		if err := e.App.Save(cand); err != nil {
			return e.InternalServerError("Your consent could not be saved. Try again.", err)
		}
	}
	return e.NoContent(http.StatusNoContent)
}

// interruptLive answers DELETE /api/takeone/session/{token}/live: a take that a reloaded or closed page left
// recording ends now, kept as interrupted, instead of after the connection timeout.
func (s *Session) interruptLive(e *core.RequestEvent) error {
	cand, _, err := find(e)
	if cand == nil {
		return err
	}
	s.ingest.Interrupt(ingest.Candidate{ID: cand.Id})
	return e.NoContent(http.StatusNoContent)
}

// ownAnswer finds one of the candidate's own takes; others' takes are answered as missing.
func ownAnswer(e *core.RequestEvent, cand *core.Record) (*core.Record, error) {
	a, err := e.App.FindRecordById(pb_migrations.Answers, e.Request.PathValue("answer"))
	if err != nil || a.GetString("candidate") != cand.Id {
		return nil, e.NotFoundError("No such take of yours.", nil)
	}
	return a, nil
}

// answerVideo answers GET /api/takeone/session/{token}/answers/{answer}/video: the candidate plays back their own
// take, with range requests so it seeks.
func (s *Session) answerVideo(e *core.RequestEvent) error {
	cand, _, err := findOpen(e)
	if cand == nil {
		return err
	}
	a, err := ownAnswer(e, cand)
	if a == nil {
		return err
	}
	name := a.GetString("video")
	if name == "" {
		return e.NotFoundError("This take has no recording.", nil)
	}
	fsys, err := e.App.NewFilesystem()
	if err != nil {
		return e.InternalServerError("", err)
	}
	defer fsys.Close()
	// the recorder saves takes by rename, without the storage's content type: say what the field only admits, so
	// the player does not get application/octet-stream as an attachment
	e.Response.Header().Set("Content-Type", "video/webm")
	e.Response.Header().Set("Content-Disposition", "inline")
	e.Response.Header().Set("Cache-Control", "private, no-store")
	if err := fsys.Serve(e.Response, e.Request, a.BaseFilesPath()+"/"+name, name); err != nil {
		return e.NotFoundError("This take's recording cannot be read.", err)
	}
	return nil
}

// practiceVideo answers GET /api/takeone/session/{token}/practice/{take}/video: the practice take, played back to
// the candidate alone.
func (s *Session) practiceVideo(e *core.RequestEvent) error {
	cand, _, err := findOpen(e)
	if cand == nil {
		return err
	}
	f, err := s.ingest.PracticeFile(ingest.Candidate{ID: cand.Id}, e.Request.PathValue("take"))
	if err != nil {
		return e.NotFoundError(ingest.ErrNoPractice.Error(), nil)
	}
	defer f.Close()
	return serveTake(e, f)
}

// serveTake plays back an unstored take's file, with range requests.
func serveTake(e *core.RequestEvent, f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Content-Type", "video/webm")
	e.Response.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(e.Response, e.Request, "practice.webm", info.ModTime(), f)
	return nil
}

// submitResult tells the page whether that answer was the last one.
type submitResult struct {
	Completed bool `json:"completed"`
}

// submit answers POST /api/takeone/session/{token}/answers/{answer}/submit: the candidate picks this take as their
// answer. A submitted question is never asked again; the last one completes the interview.
func (s *Session) submit(e *core.RequestEvent) error {
	cand, interview, err := findOpen(e)
	if cand == nil {
		return err
	}
	a, err := ownAnswer(e, cand)
	if a == nil {
		return err
	}
	switch pb_migrations.AnswerStatus(a.GetString("status")) {
	case pb_migrations.AnswerRecording:
		return e.Error(http.StatusConflict, "This take is still being recorded. Stop it first.", nil)
	case pb_migrations.AnswerFailed:
		return e.BadRequestError("This take has no recording to submit. Record it again.", nil)
	}
	completed := false
	err = e.App.RunInTransaction(func(tx core.App) error {
		done, err := tx.CountRecords(pb_migrations.Answers,
			dbx.HashExp{"candidate": cand.Id, "question": a.GetString("question"), "submitted": true})
		if err != nil {
			return err
		}
		if done > 0 {
			return errAlreadySubmitted
		}
		a.Set("submitted", true)
		if err := tx.Save(a); err != nil {
			return err
		}
		if completed, err = allSubmitted(tx, cand, interview); err != nil || !completed {
			return err
		}
		cand.Set("status", pb_migrations.CandidateCompleted)
		cand.Set("completed_at", types.NowDateTime())
		return tx.Save(cand)
	})
	switch {
	case errors.Is(err, errAlreadySubmitted):
		return e.Error(http.StatusConflict, err.Error(), nil)
	case err != nil:
		return e.InternalServerError("Your answer could not be submitted. Try again.", err)
	}
	if completed {
		// nothing is recorded after completion: a take still live (a practice, another tab) ends and is saved
		// first, so its practice recording is deleted with the rest
		s.ingest.Interrupt(ingest.Candidate{ID: cand.Id})
		s.ingest.DiscardPractice(ingest.Candidate{ID: cand.Id})
		s.releaseLease(cand.Id)
		s.notifyCompleted(e.App, cand, interview)
	}
	return e.JSON(http.StatusOK, submitResult{Completed: completed})
}

var errAlreadySubmitted = errors.New("you have already submitted an answer to this question")

// allSubmitted reports whether every question of the interview has a submitted answer of the candidate.
func allSubmitted(app core.App, cand, interview *core.Record) (bool, error) {
	var row struct {
		Open int `db:"open"`
	}
	err := app.DB().NewQuery(`SELECT COUNT(*) AS open FROM questions q WHERE q.interview = {:interview}
		AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.question = q.id AND a.candidate = {:candidate} AND a.submitted = TRUE)`).
		Bind(dbx.Params{"interview": interview.Id, "candidate": cand.Id}).One(&row)
	return row.Open == 0, err
}

// A tab holds the candidate's page while it sends a heartbeat at least every leaseTTL/3; a second tab or device
// is refused until the first one is closed (its lease runs out).
const leaseTTL = 15 * time.Second

// now is the clock of the tab leases; tests move it instead of waiting for a lease to run out.
var now = time.Now

type lease struct {
	tab  string
	seen time.Time
}

type claimRequest struct {
	Tab string `json:"tab"`
}

// claim answers POST /api/takeone/session/{token}/claim, the page's heartbeat: 204 while this tab holds the
// interview, 409 while another one does.
func (s *Session) claim(e *core.RequestEvent) error {
	cand, _, err := findOpen(e)
	if cand == nil {
		return err
	}
	var req claimRequest
	if err := e.BindBody(&req); err != nil || len(req.Tab) < 8 || len(req.Tab) > 64 {
		return e.BadRequestError("Send {\"tab\": ID} with an ID of 8 to 64 characters that stays the same for this tab.", nil)
	}
	at := now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[cand.Id]; ok && l.tab != req.Tab && at.Sub(l.seen) < leaseTTL {
		return e.Error(http.StatusConflict, "This interview is open in another tab or on another device. Close it there to continue here; this page goes on by itself once it is closed.", nil)
	}
	s.leases[cand.Id] = lease{tab: req.Tab, seen: at}
	return e.NoContent(http.StatusNoContent)
}

func (s *Session) releaseLease(candidateID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.leases, candidateID)
}
