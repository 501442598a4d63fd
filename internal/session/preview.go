package session

import (
	"net/http"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/internal/access"
	"github.com/takeone/takeone/internal/candidate"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/pb_migrations"
)

// The preview lets the team walk the real candidate page of an interview, draft or open, as a candidate would,
// without storing anything: no candidate, no answer record. Its takes are recorded like practice takes, played
// back to the member alone and deleted after 30 min or at the next start; its "submitted" answers live in memory.
// Its routes mirror the candidate's under /api/takeone/interviews/{id}/preview, with the member's sign-in.

// previews holds the submitted questions of each member's preview.
type previews struct {
	mu        sync.Mutex
	submitted map[ingest.Preview]map[string]bool
}

func (s *Session) bindPreview(r *router.Router[*core.RequestEvent]) {
	g := r.Group("/api/takeone/interviews/{id}/preview")
	g.Bind(apis.RequireAuth())
	g.GET("", s.previewView)
	g.POST("/consent", noContent)
	g.POST("/claim", noContent)
	g.DELETE("/live", noContent)
	g.POST("/practice", s.previewTake(false))
	g.POST("/questions/{question}/takes", s.previewTake(true))
	g.POST("/answers/{answer}/submit", s.previewSubmit)
	// the player cannot send a sign-in header: the take's random id is the key, as for a candidate's practice take
	r.GET("/api/takeone/preview/takes/{take}/video", s.previewVideo)
}

func noContent(e *core.RequestEvent) error { return e.NoContent(http.StatusNoContent) }

// previewOf finds the interview the member may preview (those who manage it), and their preview, which owns its
// takes.
func previewOf(e *core.RequestEvent) (*core.Record, ingest.Preview, error) {
	interview, err := e.App.FindRecordById(pb_migrations.Interviews, e.Request.PathValue("id"))
	if err != nil || (!e.HasSuperuserAuth() && !access.CanManage(e.Auth, interview)) {
		return nil, ingest.Preview{}, e.NotFoundError("No such interview.", nil)
	}
	return interview, ingest.Preview{Member: e.Auth.Id, Interview: interview.Id}, nil
}

// previewView answers GET .../preview: the page as a candidate with no extra time sees it.
func (s *Session) previewView(e *core.RequestEvent) error {
	interview, owner, err := previewOf(e)
	if interview == nil {
		return err
	}
	questions, err := e.App.FindRecordsByFilter(pb_migrations.Questions, "interview = {:id}", "position,created", 0, 0, dbx.Params{"id": interview.Id})
	if err != nil {
		return e.InternalServerError("", err)
	}
	s.previews.mu.Lock()
	done := s.previews.submitted[owner]
	s.previews.mu.Unlock()
	v := &View{
		State:         candidate.Open,
		Interview:     interviewView(interview),
		Candidate:     CandidateView{Name: e.Auth.GetString("name")},
		Questions:     []QuestionView{},
		Practice:      PracticeView{AnswerSeconds: s.ingest.TakeSeconds(ingest.PracticeSeconds, 0)},
		RetentionDays: s.cfg.RetentionDays,
	}
	for _, q := range questions {
		qv := s.questionView(q, 0)
		qv.Submitted = done[q.Id]
		if k, ok := s.ingest.KeptTake(owner, q.Id); ok {
			tv := TakeView{ID: k.ID, Take: 1, Status: string(k.Status), DurationMS: int(k.Duration / time.Millisecond), Submitted: done[q.Id]}
			if k.Status != pb_migrations.AnswerFailed {
				tv.VideoURL = "/api/takeone/preview/takes/" + k.ID + "/video"
			}
			qv.Takes = append(qv.Takes, tv)
		}
		v.Questions = append(v.Questions, qv)
	}
	return e.JSON(http.StatusOK, v)
}

// previewTake starts a preview take of the practice question or of one question.
func (s *Session) previewTake(ofQuestion bool) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		interview, owner, err := previewOf(e)
		if interview == nil {
			return err
		}
		slot, seconds := "", ingest.PracticeSeconds
		if ofQuestion {
			q, err := e.App.FindRecordById(pb_migrations.Questions, e.Request.PathValue("question"))
			if err != nil || q.GetString("interview") != interview.Id {
				return e.NotFoundError("This question is not part of the interview.", nil)
			}
			slot, seconds = q.Id, q.GetInt("answer_seconds")
		}
		s.ingest.EndUnstored(owner) // a preview's takes are never stored: a new one replaces the live one
		return s.ingest.Start(e, owner, ingest.Unstored{Slot: slot}, time.Duration(seconds)*time.Second)
	}
}

// previewSubmit marks a question of the preview answered; the last one "completes" it.
func (s *Session) previewSubmit(e *core.RequestEvent) error {
	interview, owner, err := previewOf(e)
	if interview == nil {
		return err
	}
	questions, err := e.App.FindRecordsByFilter(pb_migrations.Questions, "interview = {:id}", "", 0, 0, dbx.Params{"id": interview.Id})
	if err != nil {
		return e.InternalServerError("", err)
	}
	take := e.Request.PathValue("answer")
	s.previews.mu.Lock()
	defer s.previews.mu.Unlock()
	if s.previews.submitted == nil {
		s.previews.submitted = map[ingest.Preview]map[string]bool{}
	}
	done := s.previews.submitted[owner]
	if done == nil {
		done = map[string]bool{}
		s.previews.submitted[owner] = done
	}
	found := false
	for _, q := range questions {
		if k, ok := s.ingest.KeptTake(owner, q.Id); ok && k.ID == take {
			done[q.Id], found = true, true
		}
	}
	if !found {
		return e.NotFoundError("No such take of this preview.", nil)
	}
	completed := true
	for _, q := range questions {
		completed = completed && done[q.Id]
	}
	if completed {
		delete(s.previews.submitted, owner) // the next preview starts afresh
		s.ingest.DiscardPractice(owner)
	}
	return e.JSON(http.StatusOK, submitResult{Completed: completed})
}

// previewVideo plays a preview take back.
func (s *Session) previewVideo(e *core.RequestEvent) error {
	f, err := s.ingest.PreviewFile(e.Request.PathValue("take"))
	if err != nil {
		return e.NotFoundError(ingest.ErrNoPractice.Error(), nil)
	}
	defer f.Close()
	return serveTake(e, f)
}
