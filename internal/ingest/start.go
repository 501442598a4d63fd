package ingest

import (
	"crypto/rand"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/candidate"
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
// if the link is open, consent was given, the question was not submitted, a retake is left, no other take of this
// candidate is live and the server has room.
func (in *Ingest) startTake(e *core.RequestEvent) error {
	cand, err := admit(e)
	if cand == nil {
		return err
	}
	question, err := e.App.FindRecordById(pb_migrations.Questions, e.Request.PathValue("questionId"))
	if err != nil || question.GetString("interview") != cand.GetString("interview") {
		return e.NotFoundError("This question is not part of your interview.", nil)
	}

	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.checkRoom(e, cand.Id); err != nil {
		return err
	}
	same := dbx.HashExp{"candidate": cand.Id, "question": question.Id}
	submitted, err := e.App.CountRecords(pb_migrations.Answers, same, dbx.HashExp{"submitted": true})
	if err != nil {
		return e.InternalServerError("", err)
	}
	if submitted > 0 {
		return e.Error(http.StatusConflict, "You have already submitted your answer to this question. Go on with the next one.", nil)
	}
	taken, err := e.App.CountRecords(pb_migrations.Answers, same)
	if err != nil {
		return e.InternalServerError("", err)
	}
	// a take that recorded nothing (failed) or was cut short by a crash, a closed tab or a lost connection
	// (interrupted) does not use up a retake
	used, err := e.App.CountRecords(pb_migrations.Answers, same, dbx.NotIn("status", "failed", "interrupted"))
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
	answer.Set("candidate", cand.Id)
	answer.Set("question", question.Id)
	answer.Set("take", taken+1)
	answer.Set("status", "recording")
	limit := in.takeLimit(question.GetInt("answer_seconds"), cand.GetInt("extra_time_percent"))
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(answer); err != nil {
			return err
		}
		if cand.GetString("status") == "invited" {
			cand.Set("status", "started")
			cand.Set("started_at", types.NowDateTime())
			return tx.Save(cand)
		}
		return nil
	})
	if err != nil {
		return e.InternalServerError("The take could not be started. Try again.", err)
	}
	return in.launch(e, newTake(in, answer.Id, cand.Id, newWHIPToken(), limit))
}

// startPractice answers POST /api/takeone/session/{token}/practice: a take of the practice question. It is
// recorded like any other, played back to the candidate only, never stored in the database and deleted soon.
func (in *Ingest) startPractice(e *core.RequestEvent) error {
	cand, err := admit(e)
	if cand == nil {
		return err
	}
	return in.StartUnstored(e, cand.Id, "", in.takeLimit(PracticeSeconds, cand.GetInt("extra_time_percent")))
}

// admit finds the candidate of the request's link and checks that they may record. It answers the error itself
// when it returns nil.
func admit(e *core.RequestEvent) (*core.Record, error) {
	cand, err := candidate.ByToken(e.App, e.Request.PathValue("token"))
	if err != nil {
		return nil, e.NotFoundError(candidate.UnknownMessage, nil)
	}
	if state := candidate.StateOf(cand, candidate.Interview(e.App, cand), time.Now()); state != candidate.Open {
		return nil, e.Error(http.StatusGone, state.Message(), nil)
	}
	if cand.GetDateTime("consent_at").IsZero() {
		return nil, e.ForbiddenError("Please read and accept how your answers are recorded and kept before recording.", nil)
	}
	return cand, nil
}

// checkRoom refuses a second live take of one candidate and a take beyond the server's limit. Call with in.mu held.
func (in *Ingest) checkRoom(e *core.RequestEvent, candidateID string) error {
	for _, t := range in.takes {
		if t.candidateID == candidateID {
			return e.Error(http.StatusConflict, "Another answer of yours is being recorded right now. Finish or stop it first (it may be open in another tab).", nil)
		}
	}
	if len(in.takes) >= in.cfg.MaxSessions {
		e.Response.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		return e.Error(http.StatusServiceUnavailable, "The server is recording many answers right now. Please try again in a few seconds.", nil)
	}
	return nil
}

// launch registers a new take, starts its timers and answers with its WHIP session. Call with in.mu held.
func (in *Ingest) launch(e *core.RequestEvent, t *take) error {
	in.takes[t.id] = t
	in.wg.Add(1)
	go t.run()
	return e.JSON(http.StatusCreated, startResponse{
		ID:         t.id,
		WHIPURL:    in.cfg.PublicURL + "/api/takeone/whip/" + t.id,
		WHIPToken:  t.token,
		MaxSeconds: int(math.Ceil(t.limit.Seconds())),
	})
}

// takeLimit is the question's answer time stretched by the candidate's extra time, capped by the server.
func (in *Ingest) takeLimit(answerSeconds, extraPercent int) time.Duration {
	limit := time.Duration(answerSeconds) * time.Second * time.Duration(100+extraPercent) / 100 // exact, no float
	return min(limit, in.cfg.MaxAnswer)
}

// newWHIPToken returns 256 random bits: the key of one take's WHIP session.
func newWHIPToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: the runtime aborts rather than return weak randomness
	return base64.RawURLEncoding.EncodeToString(b)
}

// TakeSeconds is the recording time a question of answerSeconds gives a candidate with extraPercent more time,
// as the server enforces it.
func (in *Ingest) TakeSeconds(answerSeconds, extraPercent int) int {
	return int(math.Ceil(in.takeLimit(answerSeconds, extraPercent).Seconds()))
}
