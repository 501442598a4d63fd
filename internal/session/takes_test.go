package session_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/pb_migrations"
)

// startTake asks for a take of the question as the candidate's page does, and reads what it answers.
func (s *server) startTake(t *testing.T, token, question string) (*http.Response, string, started) {
	t.Helper()
	res, body := s.do(t, http.MethodPost, base(token)+"/questions/"+question+"/takes", "", nil)
	var st started
	if res.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("take response %s: %v", body, err)
		}
	}
	return res, string(body), st
}

func TestStartTake(t *testing.T) {
	t.Parallel()
	past, _ := types.ParseDateTime(time.Now().Add(-time.Hour))
	candidateIs := func(fields map[string]any) func(*testing.T, *server) {
		return func(t *testing.T, s *server) {
			update(t, s.app, pb_migrations.Candidates, testapp.CandidateOne, fields)
		}
	}
	earlierTake := func(status pb_migrations.AnswerStatus) func(*testing.T, *server) {
		return func(t *testing.T, s *server) {
			take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, string(status), false)
		}
	}
	for _, test := range []struct {
		name     string
		prepare  func(t *testing.T, s *server)
		token    string // "" for CandidateOne's
		question string
		status   int
		want     string
	}{
		{"a take starts", nil, "", testapp.QuestionSpare, 201, `"whip_url"`},
		{"an unknown link", nil, strings.Repeat("x", 43), testapp.QuestionSpare, 404, "link is not valid"},
		{"a malformed link", nil, "short", testapp.QuestionSpare, 404, "link is not valid"},
		{"another interview's question", nil, "", testapp.QuestionTwo, 404, "not part of your interview"},
		{"no such question", nil, "", "nosuchquestion1", 404, "not part of your interview"},
		{"a completed interview", candidateIs(map[string]any{"status": pb_migrations.CandidateCompleted}), "", testapp.QuestionSpare, 410, "completed"},
		{"a withdrawn invitation", candidateIs(map[string]any{"status": pb_migrations.CandidateWithdrawn}), "", testapp.QuestionSpare, 410, "withdrawn"},
		{"a passed deadline", candidateIs(map[string]any{"deadline": past}), "", testapp.QuestionSpare, 410, "expired"},
		{"a closed interview", func(t *testing.T, s *server) {
			update(t, s.app, pb_migrations.Interviews, testapp.InterviewOne, map[string]any{"status": pb_migrations.InterviewClosed})
		}, "", testapp.QuestionSpare, 410, "not open"},
		{"an answer already submitted", nil, "", testapp.QuestionOne /* the fixtures submitted AnswerOne */, 409, "already submitted"},
		{"no consent yet", candidateIs(map[string]any{"consent_at": ""}), "", testapp.QuestionSpare, 403, "accept"},
		{"no retake left", earlierTake(pb_migrations.AnswerComplete) /* the question allows one take */, "", testapp.QuestionSpare, 403, "every take"},
		{"a failed and an interrupted take are free", func(t *testing.T, s *server) {
			earlierTake(pb_migrations.AnswerFailed)(t, s)
			earlierTake(pb_migrations.AnswerInterrupted)(t, s)
		}, "", testapp.QuestionSpare, 201, `"whip_url"`},
	} {
		t.Run(test.name, func(t *testing.T) {
			s := newServer(t)
			if test.prepare != nil {
				test.prepare(t, s)
			}
			token := tokens[testapp.CandidateOne]
			if test.token != "" {
				token = test.token
			}
			res, body, st := s.startTake(t, token, test.question)
			if res.StatusCode != test.status || !strings.Contains(body, test.want) {
				t.Fatalf("status %d, want %d with %q: %s", res.StatusCode, test.status, test.want, body)
			}
			if test.status != 201 {
				return
			}
			if !strings.HasPrefix(st.WHIPURL, s.URL+"/api/takeone/whip/") || len(st.WHIPToken) < 43 || st.MaxSeconds != 90 {
				t.Fatalf("take %+v", st)
			}
			answer, err := s.app.FindRecordById(pb_migrations.Answers, st.ID)
			earlier, _ := s.app.CountRecords(pb_migrations.Answers, dbx.HashExp{"candidate": testapp.CandidateOne, "question": testapp.QuestionSpare})
			if err != nil || answer.GetString("status") != string(pb_migrations.AnswerRecording) || answer.GetInt("take") != int(earlier) {
				t.Fatalf("answer %v %v", answer, err)
			}
			candidate, _ := s.app.FindRecordById(pb_migrations.Candidates, testapp.CandidateOne)
			if candidate.GetString("status") != string(pb_migrations.CandidateStarted) || candidate.GetDateTime("started_at").IsZero() {
				t.Fatalf("candidate not marked started: %v", candidate)
			}
		})
	}
}

func TestOneLiveTakePerCandidateAndServerLimit(t *testing.T) {
	t.Parallel()
	s := newServerWith(t, func(c *ingest.Config) { c.MaxSessions = 1 })
	token := tokens[testapp.CandidateOne]
	if res, body, _ := s.startTake(t, token, testapp.QuestionSpare); res.StatusCode != 201 {
		t.Fatalf("first take: %d %s", res.StatusCode, body)
	}
	res, body, _ := s.startTake(t, token, testapp.QuestionSpare)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "being recorded") {
		t.Fatalf("second live take: %d %s", res.StatusCode, body)
	}
	// another candidate when the server is full
	res, body, _ = s.startTake(t, tokens[testapp.CandidateTwo], testapp.QuestionTwo)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "try again") {
		t.Fatalf("full server: %d %v %s", res.StatusCode, res.Header, body)
	}
}

func TestTakeLimitStretchesWithExtraTimeAndIsCapped(t *testing.T) {
	t.Parallel()
	s := newServerWith(t, func(c *ingest.Config) { c.MaxAnswer = 120 * time.Second })
	update(t, s.app, pb_migrations.Candidates, testapp.CandidateOne, map[string]any{"extra_time_percent": 50})
	_, _, st := s.startTake(t, tokens[testapp.CandidateOne], testapp.QuestionSpare) // 90 s question
	if st.MaxSeconds != 120 {
		t.Fatalf("90 s + 50%% capped at 120 s: got %d", st.MaxSeconds)
	}
}

// A page without WebRTC starts its take with the transport "upload": the answer is made as for a live take, marked
// as recorded by upload, and the page is told where to upload it while it records. The same refusals apply, and a
// live take of the candidate blocks it.
func TestStartTakeRecordedByUpload(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	path := base(token) + "/questions/" + testapp.QuestionSpare + "/takes"
	s.expect(t, http.MethodPost, path, `{"transport": "carrier pigeon"}`, http.StatusBadRequest, "recorded and uploaded while recording")

	body := s.expect(t, http.MethodPost, path, `{"transport": "upload", "camera": {"width": 1280, "height": 720, "frame_rate": 30}}`,
		http.StatusCreated, `"transport":"upload"`)
	var st struct {
		ID         string `json:"id"`
		MaxSeconds int    `json:"max_seconds"`
		UploadURL  string `json:"upload_url"`
		WHIPURL    string `json:"whip_url"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st.UploadURL != s.URL+"/api/takeone/uploads/" || st.MaxSeconds != 90 || st.WHIPURL != "" {
		t.Fatalf("start %s: want the upload URL, the question's 90 s and no WHIP session", body)
	}
	answer, err := s.app.FindRecordById(pb_migrations.Answers, st.ID)
	if err != nil || answer.GetString("status") != string(pb_migrations.AnswerRecording) ||
		answer.GetString("source") != string(pb_migrations.SourceUpload) || answer.GetInt("take") != 1 {
		t.Fatalf("answer %v %v, want take 1 recording by upload", answer, err)
	}
	// it is a take like any other: the question allows one
	s.expect(t, http.MethodPost, path, `{"transport": "upload"}`, http.StatusForbidden, "every take")
	// a practice take is played back from the server: it streams
	s.expect(t, http.MethodPost, base(token)+"/practice", `{"transport": "upload"}`, http.StatusBadRequest, "cannot be recorded by upload")

	// a live take of the candidate blocks a take by upload
	update(t, s.app, pb_migrations.Answers, st.ID, map[string]any{"status": pb_migrations.AnswerFailed})
	if res, b, _ := s.startTake(t, token, testapp.QuestionSpare); res.StatusCode != http.StatusCreated {
		t.Fatalf("live take: %d %s", res.StatusCode, b)
	}
	s.expect(t, http.MethodPost, path, `{"transport": "upload"}`, http.StatusConflict, "being recorded")
}
