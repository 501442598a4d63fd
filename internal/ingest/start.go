package ingest

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/pb_migrations"
)

// retryAfter is what a full server asks clients to wait before trying again.
const retryAfter = 5 * time.Second

type startResponse struct {
	ID         string `json:"id"`
	WHIPURL    string `json:"whip_url"`
	WHIPToken  string `json:"whip_token"`
	MaxSeconds int    `json:"max_seconds"`
}

// startTake answers POST /api/takeone/session/{token}/questions/{questionId}/takes: a new take of one question,
// if the link is valid, a retake is left, no other take of this candidate is live and the server has room.
func (in *Ingest) startTake(e *core.RequestEvent) error {
	candidate, err := candidateByToken(e.App, e.Request.PathValue("token"))
	if err != nil {
		return e.NotFoundError("This interview link is not valid. Check that you opened the whole link from your invitation.", nil)
	}
	if msg := closedReason(e.App, candidate); msg != "" {
		return e.Error(http.StatusGone, msg, nil)
	}
	question, err := e.App.FindRecordById(pb_migrations.Questions, e.Request.PathValue("questionId"))
	if err != nil || question.GetString("interview") != candidate.GetString("interview") {
		return e.NotFoundError("This question is not part of your interview.", nil)
	}

	in.mu.Lock()
	defer in.mu.Unlock()
	for _, t := range in.takes {
		if t.candidateID == candidate.Id {
			return e.Error(http.StatusConflict, "Another answer of yours is being recorded right now. Finish or stop it first (it may be open in another tab).", nil)
		}
	}
	if len(in.takes) >= in.cfg.MaxSessions {
		e.Response.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		return e.Error(http.StatusServiceUnavailable, "The server is recording many answers right now. Please try again in a few seconds.", nil)
	}
	taken, err := e.App.CountRecords(pb_migrations.Answers, dbx.HashExp{"candidate": candidate.Id, "question": question.Id})
	if err != nil {
		return e.InternalServerError("", err)
	}
	// a take that recorded nothing (status failed) does not use up a retake
	used, err := e.App.CountRecords(pb_migrations.Answers, dbx.HashExp{"candidate": candidate.Id, "question": question.Id},
		dbx.Not(dbx.HashExp{"status": "failed"}))
	if err != nil {
		return e.InternalServerError("", err)
	}
	if int(used) > question.GetInt("retakes") {
		return e.ForbiddenError("You have used every take of this question. Submit one of your takes, or move on.", nil)
	}

	answers, err := e.App.FindCollectionByNameOrId(pb_migrations.Answers)
	if err != nil {
		return e.InternalServerError("", err)
	}
	answer := core.NewRecord(answers)
	answer.Set("candidate", candidate.Id)
	answer.Set("question", question.Id)
	answer.Set("take", taken+1)
	answer.Set("status", "recording")
	limit := in.takeLimit(question.GetInt("answer_seconds"), candidate.GetInt("extra_time_percent"))
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(answer); err != nil {
			return err
		}
		if candidate.GetString("status") == "invited" {
			candidate.Set("status", "started")
			candidate.Set("started_at", types.NowDateTime())
			return tx.Save(candidate)
		}
		return nil
	})
	if err != nil {
		return e.InternalServerError("The take could not be started. Try again.", err)
	}

	t := newTake(in, answer.Id, candidate.Id, newWHIPToken(), limit)
	in.takes[answer.Id] = t
	in.wg.Add(1)
	go t.run()

	return e.JSON(http.StatusCreated, startResponse{
		ID:         answer.Id,
		WHIPURL:    in.cfg.PublicURL + "/api/takeone/whip/" + answer.Id,
		WHIPToken:  t.token,
		MaxSeconds: int(math.Ceil(limit.Seconds())),
	})
}

// takeLimit is the question's answer time stretched by the candidate's extra time, capped by the server.
func (in *Ingest) takeLimit(answerSeconds, extraPercent int) time.Duration {
	limit := time.Duration(float64(answerSeconds)*(1+float64(extraPercent)/100)) * time.Second
	return min(limit, in.cfg.MaxAnswer)
}

func candidateByToken(app core.App, token string) (*core.Record, error) {
	if len(token) != 43 {
		return nil, errors.New("malformed token")
	}
	return app.FindFirstRecordByData(pb_migrations.Candidates, "token", token)
}

// closedReason says why a candidate can no longer record, or "" when they can.
func closedReason(app core.App, candidate *core.Record) string {
	switch candidate.GetString("status") {
	case "completed":
		return "You have completed this interview. Thank you!"
	case "withdrawn":
		return "This invitation was withdrawn. Contact the recruiter if you think this is a mistake."
	case "expired":
		return "This interview link has expired. Contact the recruiter to ask for more time."
	}
	if d := candidate.GetDateTime("deadline"); !d.IsZero() && d.Time().Before(time.Now()) {
		return "This interview link has expired. Contact the recruiter to ask for more time."
	}
	interview, err := app.FindRecordById(pb_migrations.Interviews, candidate.GetString("interview"))
	if err != nil || interview.GetString("status") != "open" {
		return "This interview is not open for answers. Contact the recruiter."
	}
	return ""
}

// newWHIPToken returns 256 random bits: the key of one take's WHIP session.
func newWHIPToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: the runtime aborts rather than return weak randomness
	return base64.RawURLEncoding.EncodeToString(b)
}
