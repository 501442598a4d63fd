package session

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/candidate"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/pb_migrations"
)

// View is everything the candidate's page shows. Times are already stretched by the candidate's extra time.
type View struct {
	State         candidate.State `json:"state"`
	Message       string          `json:"message,omitempty"` // what a closed state means, for the candidate
	Interview     InterviewView   `json:"interview"`
	Candidate     CandidateView   `json:"candidate"`
	Questions     []QuestionView  `json:"questions"`
	Practice      PracticeView    `json:"practice"`
	RetentionDays int             `json:"retention_days"`
	// Live is a take still recording, left by a page that was reloaded or closed; the page ends it before going on.
	Live *LiveView `json:"live,omitempty"`
}

type InterviewView struct {
	Title           string `json:"title"`
	Description     string `json:"description"`
	WelcomeText     string `json:"welcome_text"`
	ClosingText     string `json:"closing_text"`
	BrandColor      string `json:"brand_color"`
	LogoURL         string `json:"logo_url"`
	WelcomeVideoURL string `json:"welcome_video_url"`
}

type CandidateView struct {
	Name             string `json:"name"`
	Deadline         string `json:"deadline"` // RFC 3339, "" for none
	ExtraTimePercent int    `json:"extra_time_percent"`
	Consented        bool   `json:"consented"`
}

type QuestionView struct {
	ID            string     `json:"id"`
	Prompt        string     `json:"prompt"`
	VideoURL      string     `json:"video_url"`
	AnswerSeconds int        `json:"answer_seconds"`
	ThinkSeconds  int        `json:"think_seconds"`
	Retakes       int        `json:"retakes"`    // retakes allowed after the first take
	TakesLeft     int        `json:"takes_left"` // takes the candidate may still start
	Submitted     bool       `json:"submitted"`
	Takes         []TakeView `json:"takes"`
}

type TakeView struct {
	ID         string `json:"id"`
	Take       int    `json:"take"`
	Status     string `json:"status"`
	DurationMS int    `json:"duration_ms"`
	Submitted  bool   `json:"submitted"`
	VideoURL   string `json:"video_url"` // "" when the take has no file
}

type PracticeView struct {
	AnswerSeconds int `json:"answer_seconds"`
}

type LiveView struct {
	ID       string `json:"id"`
	Practice bool   `json:"practice"`
}

// view answers GET /api/takeone/session/{token}.
func (s *Session) view(e *core.RequestEvent) error {
	cand, interview, err := find(e)
	if cand == nil {
		return err
	}
	v, err := s.build(e.App, cand, interview)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, v)
}

func (s *Session) build(app core.App, cand, interview *core.Record) (*View, error) {
	state := candidate.StateOf(cand, interview, time.Now())
	extra := cand.GetInt("extra_time_percent")
	v := &View{
		State:         state,
		Message:       state.Message(),
		Questions:     []QuestionView{},
		Practice:      PracticeView{AnswerSeconds: s.ingest.TakeSeconds(ingest.PracticeSeconds, extra)},
		RetentionDays: s.cfg.RetentionDays,
		Candidate: CandidateView{
			Name:             cand.GetString("name"),
			ExtraTimePercent: extra,
			Consented:        !cand.GetDateTime("consent_at").IsZero(),
		},
	}
	if d := cand.GetDateTime("deadline"); !d.IsZero() {
		v.Candidate.Deadline = d.Time().UTC().Format(time.RFC3339)
	}
	if interview != nil {
		v.Interview = interviewView(interview)
	}
	if state != candidate.Open {
		return v, nil // a closed link shows its page and nothing of the questions
	}
	if t, ok := s.ingest.LiveTake(ingest.Candidate{ID: cand.Id}); ok {
		v.Live = &LiveView{ID: t.ID, Practice: t.Practice}
	}

	questions, err := app.FindRecordsByFilter(pb_migrations.Questions, "interview = {:id}", "position,created", 0, 0,
		dbx.Params{"id": interview.Id})
	if err != nil {
		return nil, err
	}
	answers, err := app.FindRecordsByFilter(pb_migrations.Answers, "candidate = {:id}", "take", 0, 0,
		dbx.Params{"id": cand.Id})
	if err != nil {
		return nil, err
	}
	token := cand.GetString("token")
	for _, q := range questions {
		qv := s.questionView(q, extra)
		used := 0
		for _, a := range answers {
			if a.GetString("question") != q.Id {
				continue
			}
			tv := TakeView{
				ID:         a.Id,
				Take:       a.GetInt("take"),
				Status:     a.GetString("status"),
				DurationMS: a.GetInt("duration_ms"),
				Submitted:  a.GetBool("submitted"),
			}
			if a.GetString("video") != "" {
				tv.VideoURL = "/api/takeone/session/" + token + "/answers/" + a.Id + "/video"
			}
			qv.Submitted = qv.Submitted || tv.Submitted
			if countsAsTake(tv.Status) {
				used++
			}
			qv.Takes = append(qv.Takes, tv)
		}
		qv.TakesLeft = max(qv.Retakes+1-used, 0)
		if qv.Submitted {
			qv.TakesLeft = 0
		}
		v.Questions = append(v.Questions, qv)
	}
	return v, nil
}

func interviewView(interview *core.Record) InterviewView {
	return InterviewView{
		Title:           interview.GetString("title"),
		Description:     interview.GetString("description"),
		WelcomeText:     interview.GetString("welcome_text"),
		ClosingText:     interview.GetString("closing_text"),
		BrandColor:      interview.GetString("brand_color"),
		LogoURL:         fileURL(interview, "logo"),
		WelcomeVideoURL: fileURL(interview, "welcome_video"),
	}
}

// questionView is a question as a candidate with extra percent more time sees it, before their takes.
func (s *Session) questionView(q *core.Record, extra int) QuestionView {
	return QuestionView{
		ID:            q.Id,
		Prompt:        q.GetString("prompt"),
		VideoURL:      fileURL(q, "video"),
		AnswerSeconds: s.ingest.TakeSeconds(q.GetInt("answer_seconds"), extra),
		ThinkSeconds:  stretch(q.GetInt("think_seconds"), extra),
		Retakes:       q.GetInt("retakes"),
		TakesLeft:     q.GetInt("retakes") + 1,
		Takes:         []TakeView{},
	}
}

// stretch gives a candidate with extra time percent more of seconds, rounded up.
func stretch(seconds, percent int) int {
	return (seconds*(100+percent) + 99) / 100
}

// fileURL is the public URL of a record's unprotected file field, "" when empty. Interview branding and question
// videos are meant for every candidate of the interview; their names carry a random suffix.
func fileURL(r *core.Record, field string) string {
	name := r.GetString(field)
	if name == "" {
		return ""
	}
	return "/api/files/" + r.Collection().Name + "/" + r.Id + "/" + name
}
