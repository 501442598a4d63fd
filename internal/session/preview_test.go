package session_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/takeone/takeone/internal/session"
	"github.com/takeone/takeone/internal/testapp"
)

// Only those who manage the interview preview it.
func TestPreviewIsForThoseWhoManageTheInterview(t *testing.T) {
	t.Parallel()
	url := "/api/takeone/interviews/" + testapp.InterviewOne + "/preview"
	for _, s := range []tests.ApiScenario{
		{Name: "anonymous", Method: http.MethodGet, URL: url, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: testapp.Fired()},
		{Name: "a reviewer on the team", Method: http.MethodGet, URL: url, Headers: tpl.Auth(testapp.Reviewer), ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: testapp.Fired()},
		{Name: "another recruiter", Method: http.MethodGet, URL: url, Headers: tpl.Auth(testapp.OtherRecruiter), ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: testapp.Fired()},
		{Name: "another recruiter's take", Method: http.MethodPost, URL: url + "/practice", Headers: tpl.Auth(testapp.OtherRecruiter), ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: testapp.Fired()},
		{Name: "the owner sees the page as a new candidate", Method: http.MethodGet, URL: url, Headers: tpl.Auth(testapp.Recruiter),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"state":"open"`, `"title":"Support engineer"`, `"submitted":false`, `"takes":[]`},
			NotExpectedContent: []string{testapp.AnswerOne},
			ExpectedEvents:     testapp.Fired()}, // the preview stores nothing
		{Name: "an unknown preview video", Method: http.MethodGet, URL: "/api/takeone/preview/takes/practice-nosuchtake00/video", ExpectedStatus: 404, ExpectedContent: []string{"record a new one"}, ExpectedEvents: testapp.Fired()},
	} {
		s.TestAppFactory = scenarioApp
		s.Test(t)
	}
}

// A preview take is recorded, played back, "submitted", and leaves no record behind.
func TestPreviewRecordsAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	auth := map[string]string{"Authorization": tpl.Tokens[testapp.Recruiter]}
	base := "/api/takeone/interviews/" + testapp.InterviewOne + "/preview"
	answersBefore, _ := s.app.CountRecords("answers")

	res, body := s.do(t, http.MethodPost, base+"/questions/"+testapp.QuestionSpare+"/takes", "", auth)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("start: %d %s", res.StatusCode, body)
	}
	var st started
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	record(t, st, 2*time.Second)

	_, body = s.do(t, http.MethodGet, base, "", auth)
	var v session.View
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	q := question(t, v, testapp.QuestionSpare)
	if len(q.Takes) != 1 || q.Takes[0].ID != st.ID || q.Takes[0].VideoURL == "" {
		t.Fatalf("the preview does not show its take: %+v", q)
	}
	if res, _ := s.do(t, http.MethodGet, q.Takes[0].VideoURL, "", map[string]string{"Range": "bytes=0-99"}); res.StatusCode != http.StatusPartialContent {
		t.Errorf("preview video: %d", res.StatusCode)
	}
	if res, body := s.do(t, http.MethodPost, base+"/answers/"+st.ID+"/submit", "", auth); res.StatusCode != 200 || string(body) == "" {
		t.Errorf("submit: %d %s", res.StatusCode, body)
	}
	if n, _ := s.app.CountRecords("answers"); n != answersBefore {
		t.Errorf("the preview stored answers: %d, was %d", n, answersBefore)
	}
	if n, _ := s.app.CountRecords("candidates"); n != 2 {
		t.Errorf("the preview made a candidate: %d candidates", n)
	}
}
