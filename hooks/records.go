package hooks

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/pb_migrations"
)

// NewCandidateToken returns 256 random bits, URL-safe (43 characters): a candidate's only key to their interview.
func NewCandidateToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: the runtime aborts rather than return weak randomness
	return base64.RawURLEncoding.EncodeToString(b)
}

// candidateDefaults gives a new candidate a fresh token (never one from the request), a status, a stage and, when
// the interview has one, a deadline.
func candidateDefaults(e *core.RecordEvent) error {
	if e.Record.GetString("token") == "" {
		e.Record.Set("token", NewCandidateToken())
	}
	if e.Record.GetString("status") == "" {
		e.Record.Set("status", pb_migrations.CandidateInvited)
	}
	if e.Record.GetString("stage") == "" {
		e.Record.Set("stage", pb_migrations.StageNew)
	}
	if e.Record.GetDateTime("deadline").IsZero() {
		// one column, not the whole record: an import runs this for every row
		var days int
		err := e.App.DB().Select("deadline_days").From(pb_migrations.Interviews).
			Where(dbx.HashExp{"id": e.Record.GetString("interview")}).Row(&days)
		if err == nil && days > 0 {
			dt, _ := types.ParseDateTime(time.Now().AddDate(0, 0, days))
			e.Record.Set("deadline", dt)
		}
	}
	return e.Next()
}

// answerDefaults marks a new answer's video as the live recording; an uploaded copy may replace it (upload).
func answerDefaults(e *core.RecordEvent) error {
	if e.Record.GetString("source") == "" {
		e.Record.Set("source", pb_migrations.SourceLive)
	}
	return e.Next()
}

func interviewDefaults(e *core.RecordEvent) error {
	if e.Record.GetString("status") == "" {
		e.Record.Set("status", pb_migrations.InterviewDraft)
	}
	return e.Next()
}

// candidateEventFields are set by what the candidate does (consent, first take, last submit) or by the server
// (invitation and reminder emails), never by the team: a recruiter cannot give consent in a candidate's name.
// Operators (superusers) can still correct them.
var candidateEventFields = []string{"consent_at", "started_at", "completed_at", "invite_status", "invite_error", "invited_at", "reminded_at"}

// keepCandidateEvents drops changes to candidateEventFields in the team's create and update requests.
func keepCandidateEvents(e *core.RecordRequestEvent) error {
	if !e.HasSuperuserAuth() {
		for _, f := range candidateEventFields {
			if e.Record.IsNew() {
				e.Record.Set(f, "")
			} else {
				e.Record.Set(f, e.Record.Original().Get(f))
			}
		}
	}
	return e.Next()
}

// serveTakesAsVideo makes the team's downloads of a take play in the browser: the recorder saves takes into
// storage by rename, without the content type an upload records, which PocketBase would serve as an
// octet-stream attachment. ?download=1 still asks for a file to save.
func serveTakesAsVideo(e *core.FileDownloadRequestEvent) error {
	if e.FileField.Name == "video" {
		e.Response.Header().Set("Content-Type", "video/webm")
		if e.Request.URL.Query().Get("download") == "" {
			e.Response.Header().Set("Content-Disposition", "inline; filename="+strconv.Quote(e.ServedName))
		}
	}
	return e.Next()
}

// oneReviewEach answers a second review of the same answer (or of the same candidate as a whole) by the same
// person with a message that says what to do, before the unique index refuses it with a bare "not unique".
func oneReviewEach(e *core.RecordRequestEvent) error {
	r := e.Record
	filter := "candidate = {:candidate} && author = {:author} && answer = {:answer}"
	existing, err := e.App.FindFirstRecordByFilter(pb_migrations.Reviews, filter, dbx.Params{
		"candidate": r.GetString("candidate"), "author": r.GetString("author"), "answer": r.GetString("answer")})
	if err == nil {
		what := "this answer"
		if r.GetString("answer") == "" {
			what = "this candidate as a whole"
		}
		return e.BadRequestError("You have already reviewed "+what+": change that review instead (PATCH /api/collections/reviews/records/"+existing.Id+").", nil)
	}
	return e.Next()
}
