package ingest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/testapp"
)

type started struct {
	ID         string `json:"id"`
	WHIPURL    string `json:"whip_url"`
	WHIPToken  string `json:"whip_token"`
	MaxSeconds int    `json:"max_seconds"`
}

func request(t *testing.T, method, url, contentType, auth, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// startTake asks for a take as the candidate's page does.
func (s *server) startTake(t *testing.T, token, question string) (*http.Response, string, started) {
	t.Helper()
	res, body := request(t, http.MethodPost, s.URL+"/api/takeone/session/"+token+"/questions/"+question+"/takes", "application/json", "", "")
	var st started
	if res.StatusCode == http.StatusCreated {
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatalf("take response %s: %v", body, err)
		}
	}
	return res, body, st
}

// answer adds an earlier take of CandidateOne with the given status.
func (s *server) answer(t *testing.T, question, status string) {
	t.Helper()
	c, err := s.app.FindCollectionByNameOrId("answers")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := s.app.CountRecords("answers", dbx.HashExp{"candidate": testapp.CandidateOne, "question": question})
	r := core.NewRecord(c)
	r.Load(map[string]any{"candidate": testapp.CandidateOne, "question": question, "take": n + 1, "status": status})
	if err := s.app.Save(r); err != nil {
		t.Fatal(err)
	}
}

func (s *server) update(t *testing.T, collection, id string, fields map[string]any) {
	t.Helper()
	r, err := s.app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := s.app.Save(r); err != nil {
		t.Fatal(err)
	}
}

func TestStartTake(t *testing.T) {
	past, _ := types.ParseDateTime(time.Now().Add(-time.Hour))
	for _, test := range []struct {
		name     string
		prepare  func(t *testing.T, s *server)
		token    func(t *testing.T, s *server) string
		question string
		status   int
		want     string
	}{
		{"a take starts", nil, nil, testapp.QuestionSpare, 201, `"whip_url"`},
		{"an unknown link", nil, func(*testing.T, *server) string { return strings.Repeat("x", 43) }, testapp.QuestionSpare, 404, "link is not valid"},
		{"a malformed link", nil, func(*testing.T, *server) string { return "short" }, testapp.QuestionSpare, 404, "link is not valid"},
		{"another interview's question", nil, nil, testapp.QuestionTwo, 404, "not part of your interview"},
		{"no such question", nil, nil, "nosuchquestion1", 404, "not part of your interview"},
		{"a completed interview", func(t *testing.T, s *server) {
			s.update(t, "candidates", testapp.CandidateOne, map[string]any{"status": "completed"})
		}, nil, testapp.QuestionSpare, 410, "completed"},
		{"a withdrawn invitation", func(t *testing.T, s *server) {
			s.update(t, "candidates", testapp.CandidateOne, map[string]any{"status": "withdrawn"})
		}, nil, testapp.QuestionSpare, 410, "withdrawn"},
		{"a passed deadline", func(t *testing.T, s *server) {
			s.update(t, "candidates", testapp.CandidateOne, map[string]any{"deadline": past})
		}, nil, testapp.QuestionSpare, 410, "expired"},
		{"a closed interview", func(t *testing.T, s *server) {
			s.update(t, "interviews", testapp.InterviewOne, map[string]any{"status": "closed"})
		}, nil, testapp.QuestionSpare, 410, "not open"},
		{"an answer already submitted", nil, nil, testapp.QuestionOne /* the fixtures submitted AnswerOne */, 409, "already submitted"},
		{"no consent yet", func(t *testing.T, s *server) {
			s.update(t, "candidates", testapp.CandidateOne, map[string]any{"consent_at": ""})
		}, nil, testapp.QuestionSpare, 403, "accept"},
		{"no retake left", func(t *testing.T, s *server) {
			s.answer(t, testapp.QuestionSpare, "complete") // the question allows one take
		}, nil, testapp.QuestionSpare, 403, "every take"},
		{"a failed and an interrupted take are free", func(t *testing.T, s *server) {
			s.answer(t, testapp.QuestionSpare, "failed")
			s.answer(t, testapp.QuestionSpare, "interrupted")
		}, nil, testapp.QuestionSpare, 201, `"whip_url"`},
	} {
		t.Run(test.name, func(t *testing.T) {
			s := newServer(t, nil)
			if test.prepare != nil {
				test.prepare(t, s)
			}
			token := s.token(t, testapp.CandidateOne)
			if test.token != nil {
				token = test.token(t, s)
			}
			wantStatus, want := test.status, test.want
			res, body, st := s.startTake(t, token, test.question)
			if res.StatusCode != wantStatus || !strings.Contains(body, want) {
				t.Fatalf("status %d, want %d with %q: %s", res.StatusCode, wantStatus, want, body)
			}
			if wantStatus == 201 {
				if !strings.HasPrefix(st.WHIPURL, s.URL+"/api/takeone/whip/") || len(st.WHIPToken) < 43 || st.MaxSeconds != 90 {
					t.Fatalf("take %+v", st)
				}
				answer, err := s.app.FindRecordById("answers", st.ID)
				earlier, _ := s.app.CountRecords("answers", dbx.HashExp{"candidate": testapp.CandidateOne, "question": testapp.QuestionSpare})
				if err != nil || answer.GetString("status") != "recording" || answer.GetInt("take") != int(earlier) {
					t.Fatalf("answer %v %v", answer, err)
				}
				candidate, _ := s.app.FindRecordById("candidates", testapp.CandidateOne)
				if candidate.GetString("status") != "started" || candidate.GetDateTime("started_at").IsZero() {
					t.Fatalf("candidate not marked started: %v", candidate)
				}
			}
		})
	}
}

func TestOneLiveTakePerCandidateAndServerLimit(t *testing.T) {
	s := newServer(t, func(c *ingest.Config) { c.MaxSessions = 1 })
	token := s.token(t, testapp.CandidateOne)
	if res, body, _ := s.startTake(t, token, testapp.QuestionSpare); res.StatusCode != 201 {
		t.Fatalf("first take: %d %s", res.StatusCode, body)
	}
	res, body, _ := s.startTake(t, token, testapp.QuestionSpare)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "being recorded") {
		t.Fatalf("second live take: %d %s", res.StatusCode, body)
	}
	// another candidate when the server is full
	res, body, _ = s.startTake(t, s.token(t, testapp.CandidateTwo), testapp.QuestionTwo)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "try again") {
		t.Fatalf("full server: %d %v %s", res.StatusCode, res.Header, body)
	}
}

func TestTakeLimitStretchesWithExtraTimeAndIsCapped(t *testing.T) {
	s := newServer(t, func(c *ingest.Config) { c.MaxAnswer = 120 * time.Second })
	s.update(t, "candidates", testapp.CandidateOne, map[string]any{"extra_time_percent": 50})
	_, _, st := s.startTake(t, s.token(t, testapp.CandidateOne), testapp.QuestionSpare) // 90 s question
	if st.MaxSeconds != 120 {
		t.Fatalf("90 s + 50%% capped at 120 s: got %d", st.MaxSeconds)
	}
}
