package session

import (
	"math"
	"net/http"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/upload"
	"github.com/takeone/takeone/pb_migrations"
)

// freeTakes are the statuses of takes that do not use up one of a question's takes: one that recorded nothing
// (failed), and one cut short by a crash, a closed tab or a lost connection (interrupted).
var freeTakes = []pb_migrations.AnswerStatus{pb_migrations.AnswerFailed, pb_migrations.AnswerInterrupted}

// countsAsTake says whether a take with this status used up one of the question's takes.
func countsAsTake(status string) bool {
	return !slices.Contains(freeTakes, pb_migrations.AnswerStatus(status))
}

// startTake answers POST /api/takeone/session/{token}/questions/{questionId}/takes: a new take of one question,
// if the link is open, consent was given, the question was not submitted, a retake is left, no other take of this
// candidate is live and the server has room.
func (s *Session) startTake(e *core.RequestEvent) error {
	cand, err := admit(e)
	if cand == nil {
		return err
	}
	question, err := e.App.FindRecordById(pb_migrations.Questions, e.Request.PathValue("questionId"))
	if err != nil || question.GetString("interview") != cand.GetString("interview") {
		return e.NotFoundError("This question is not part of your interview.", nil)
	}
	limit := s.ingest.TakeLimit(question.GetInt("answer_seconds"), cand.GetInt("extra_time_percent"))
	req, err := ingest.ReadStart(e)
	if err != nil {
		return err
	}
	owner := ingest.Candidate{ID: cand.Id}
	if req.Transport == ingest.TransportUpload {
		return s.ingest.Exclusive(e, owner, func() error {
			answer, err := newAnswer(e, cand, question, pb_migrations.SourceUpload)
			if answer == nil {
				return err
			}
			return e.JSON(http.StatusCreated, uploadStart{
				ID:         answer.Id,
				Transport:  ingest.TransportUpload,
				MaxSeconds: int(math.Ceil(limit.Seconds())),
				UploadURL:  s.cfg.PublicURL + upload.BasePath,
			})
		})
	}
	return s.ingest.StartPrepared(e, owner, limit, func() (ingest.Destination, error) {
		answer, err := newAnswer(e, cand, question, pb_migrations.SourceLive)
		if answer == nil {
			return nil, err
		}
		return ingest.Answer{ID: answer.Id}, nil
	})
}

// uploadStart is the answer to a take's start without WebRTC: the page records the answer itself and uploads it
// while recording, with tus at UploadURL (package upload), naming the answer ID.
type uploadStart struct {
	ID         string `json:"id"`
	Transport  string `json:"transport"`
	MaxSeconds int    `json:"max_seconds"`
	UploadURL  string `json:"upload_url"`
}

// newAnswer checks that the candidate may take the question again and saves the answer record of the new take,
// recorded by source, marking the candidate started at their first take. It answers the error itself when it returns nil.
func newAnswer(e *core.RequestEvent, cand, question *core.Record, source pb_migrations.AnswerSource) (*core.Record, error) {
	same := dbx.HashExp{"candidate": cand.Id, "question": question.Id}
	submitted, err := e.App.CountRecords(pb_migrations.Answers, same, dbx.HashExp{"submitted": true})
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	if submitted > 0 {
		return nil, e.Error(http.StatusConflict, "You have already submitted your answer to this question. Go on with the next one.", nil)
	}
	taken, err := e.App.CountRecords(pb_migrations.Answers, same)
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	free := make([]any, len(freeTakes))
	for i, status := range freeTakes {
		free[i] = status
	}
	used, err := e.App.CountRecords(pb_migrations.Answers, same, dbx.NotIn("status", free...))
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	if int(used) > question.GetInt("retakes") {
		return nil, e.ForbiddenError("You have used every take of this question. Submit one of your takes, or move on.", nil)
	}

	answers, err := e.App.FindCollectionByNameOrId(pb_migrations.Answers)
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	answer := core.NewRecord(answers)
	answer.Set("candidate", cand.Id)
	answer.Set("question", question.Id)
	answer.Set("take", taken+1)
	answer.Set("status", pb_migrations.AnswerRecording)
	answer.Set("source", source)
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(answer); err != nil {
			return err
		}
		if pb_migrations.CandidateStatus(cand.GetString("status")) == pb_migrations.CandidateInvited {
			cand.Set("status", pb_migrations.CandidateStarted)
			cand.Set("started_at", types.NowDateTime())
			return tx.Save(cand)
		}
		return nil
	})
	if err != nil {
		return nil, e.InternalServerError("The take could not be started. Try again.", err)
	}
	return answer, nil
}

// startPractice answers POST /api/takeone/session/{token}/practice: a take of the practice question. It is
// recorded like any other, played back to the candidate only, never stored in the database and deleted soon. A
// practice take still live (a connection test that failed, another tab) is ended first: nothing of it is kept, so
// the new one replaces it rather than wait for it. A live answer still answers 409.
func (s *Session) startPractice(e *core.RequestEvent) error {
	cand, err := admit(e)
	if cand == nil {
		return err
	}
	owner := ingest.Candidate{ID: cand.Id}
	s.ingest.EndUnstored(owner)
	limit := s.ingest.TakeLimit(ingest.PracticeSeconds, cand.GetInt("extra_time_percent"))
	return s.ingest.Start(e, owner, ingest.Unstored{}, limit)
}

// admit finds the candidate of the request's link and checks that they may record: the link is open and they
// consented. It answers the error itself when it returns nil.
func admit(e *core.RequestEvent) (*core.Record, error) {
	cand, _, err := findOpen(e)
	if cand == nil {
		return nil, err
	}
	if cand.GetDateTime("consent_at").IsZero() {
		return nil, e.ForbiddenError("Please read and accept how your answers are recorded and kept before recording.", nil)
	}
	return cand, nil
}
