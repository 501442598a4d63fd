package session_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/session"
	"github.com/takeone/takeone/internal/testapp"
)

const checkTheLink = "Check that you opened the whole link"

// Every route of the candidate answers a link that belongs to nobody, or that is cut short or too long, as not
// valid and says to check the link.
func TestUnknownAndMalformedLinks(t *testing.T) {
	t.Parallel()
	one := tokens[testapp.CandidateOne]
	unknown, short := strings.Repeat("A", 43), "abc"
	type request struct{ name, token, method, path, body string }
	requests := []request{
		{name: "a link cut short", token: one[:42], method: http.MethodGet},
		{name: "a link with extra", token: one + "x", method: http.MethodGet},
		{name: "a link with odd characters", token: strings.Repeat("%21", 43), method: http.MethodGet},
	}
	for _, r := range []struct{ method, path, body string }{
		{method: http.MethodGet},
		{method: http.MethodPost, path: "/consent"},
		{method: http.MethodPost, path: "/claim", body: `{"tab":"tab-000000001"}`},
		{method: http.MethodDelete, path: "/live"},
		{method: http.MethodGet, path: "/answers/" + testapp.AnswerOne + "/video"},
		{method: http.MethodPost, path: "/answers/" + testapp.AnswerOne + "/submit"},
		{method: http.MethodGet, path: "/practice/practice-x/video"},
		{method: http.MethodPost, path: "/practice"},
		{method: http.MethodPost, path: "/questions/" + testapp.QuestionSpare + "/takes"},
	} {
		requests = append(requests, request{name: "an unknown link", token: unknown, method: r.method, path: r.path, body: r.body},
			request{name: "a short link", token: short, method: r.method, path: r.path, body: r.body})
	}
	for _, r := range requests {
		scenario := tests.ApiScenario{
			Name:               r.name + ": " + r.method + " " + r.path,
			Method:             r.method,
			URL:                base(r.token) + r.path,
			Body:               strings.NewReader(r.body),
			ExpectedStatus:     http.StatusNotFound,
			ExpectedContent:    []string{checkTheLink},
			NotExpectedContent: []string{"Support engineer", "Ada"},
			ExpectedEvents:     testapp.Fired(),
			TestAppFactory:     scenarioApp,
		}
		scenario.Test(t)
	}
}

// closedLinks are the states in which a link shows its page but records nothing.
var closedLinks = []struct {
	state   string
	message string
	prepare func(t testing.TB, app *tests.TestApp)
}{
	{state: "completed", message: "You have completed this interview", prepare: func(t testing.TB, app *tests.TestApp) {
		update(t, app, "candidates", testapp.CandidateOne, map[string]any{"status": "completed", "completed_at": types.NowDateTime()})
	}},
	{state: "withdrawn", message: "invitation was withdrawn", prepare: func(t testing.TB, app *tests.TestApp) {
		update(t, app, "candidates", testapp.CandidateOne, map[string]any{"status": "withdrawn"})
	}},
	{state: "expired", message: "link has expired", prepare: func(t testing.TB, app *tests.TestApp) {
		past, _ := types.ParseDateTime(time.Now().Add(-time.Minute))
		update(t, app, "candidates", testapp.CandidateOne, map[string]any{"deadline": past})
	}},
	{state: "expired", message: "link has expired", prepare: func(t testing.TB, app *tests.TestApp) {
		update(t, app, "candidates", testapp.CandidateOne, map[string]any{"status": "expired"})
	}},
	{state: "closed", message: "not open for answers", prepare: func(t testing.TB, app *tests.TestApp) {
		update(t, app, "interviews", testapp.InterviewOne, map[string]any{"status": "closed"})
	}},
	{state: "closed", message: "not open for answers", prepare: func(t testing.TB, app *tests.TestApp) {
		update(t, app, "interviews", testapp.InterviewOne, map[string]any{"status": "draft"})
	}},
}

// A link that can no longer record shows the interview's branding, its state and what it means, and none of the
// questions or takes.
func TestClosedLinkShowsNoQuestions(t *testing.T) {
	t.Parallel()
	for i, c := range closedLinks {
		scenario := tests.ApiScenario{
			Name:            c.state + " " + string(rune('a'+i)),
			Method:          http.MethodGet,
			URL:             base(tokens[testapp.CandidateOne]),
			ExpectedStatus:  http.StatusOK,
			ExpectedContent: []string{`"state":"` + c.state + `"`, c.message, `"questions":[]`, `"title":"Support engineer"`},
			NotExpectedContent: []string{"Tell us about yourself", "Where do you see yourself?", testapp.QuestionOne,
				testapp.AnswerOne, `"live"`},
			ExpectedEvents: testapp.Fired(),
			TestAppFactory: scenarioApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { c.prepare(t, app) },
		}
		scenario.Test(t)
	}
}

// A link that can no longer record refuses everything that would change something, and the playback of takes,
// with 410 and what the state means.
func TestClosedLinkRefusesChanges(t *testing.T) {
	t.Parallel()
	routes := []struct{ method, path, body string }{
		{method: http.MethodPost, path: "/consent"},
		{method: http.MethodPost, path: "/claim", body: `{"tab":"tab-000000001"}`},
		{method: http.MethodPost, path: "/answers/" + testapp.AnswerOne + "/submit"},
		{method: http.MethodPost, path: "/questions/" + testapp.QuestionSpare + "/takes"},
		{method: http.MethodPost, path: "/practice"},
		{method: http.MethodGet, path: "/answers/" + testapp.AnswerOne + "/video"},
	}
	for i, c := range closedLinks {
		for _, r := range routes {
			scenario := tests.ApiScenario{
				Name:            c.state + " " + string(rune('a'+i)) + ": " + r.method + " " + r.path,
				Method:          r.method,
				URL:             base(tokens[testapp.CandidateOne]) + r.path,
				Body:            strings.NewReader(r.body),
				ExpectedStatus:  http.StatusGone,
				ExpectedContent: []string{c.message},
				ExpectedEvents:  testapp.Fired(), // nothing is written
				TestAppFactory:  scenarioApp,
				BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { c.prepare(t, app) },
				AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
					n, err := app.CountRecords("answers")
					if err != nil || n != 2 {
						t.Errorf("%d answers (%v), want the 2 fixtures", n, err)
					}
					a, err := app.FindRecordById("answers", testapp.AnswerOne)
					if err != nil || !a.GetBool("submitted") {
						t.Errorf("answer one changed: %v %v", a, err)
					}
				},
			}
			scenario.Test(t)
		}
	}
}

// pngLogo is a small PNG, a logo an interview may carry.
func pngLogo(t *testing.T) *filesystem.File {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	f, err := filesystem.NewFileFromBytes(b.Bytes(), "logo.png")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// An open link shows the interview's branding, the questions in their order with the candidate's extra time, the
// takes left, what was submitted, and each take with a player only when it has a recording.
func TestOpenLinkShowsTheInterview(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	app := s.app
	update(t, app, "interviews", testapp.InterviewOne, map[string]any{
		"description": "Second-line support", "welcome_text": "Welcome!", "closing_text": "Thanks, we will be in touch.",
		"brand_color": "#0a7d5a", "logo": pngLogo(t),
	})
	deadline, _ := types.ParseDateTime(time.Now().Add(48 * time.Hour).Truncate(time.Second))
	update(t, app, "candidates", testapp.CandidateOne, map[string]any{"extra_time_percent": 50, "deadline": deadline})
	// the spare question is asked first although it was written second; it allows two retakes
	update(t, app, "questions", testapp.QuestionSpare, map[string]any{"position": 0, "think_seconds": 15, "retakes": 2})
	update(t, app, "questions", testapp.QuestionOne, map[string]any{"think_seconds": 30})
	played := take(t, app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)
	failed := take(t, app, "", testapp.CandidateOne, testapp.QuestionSpare, "failed", false)
	cut := take(t, app, "", testapp.CandidateOne, testapp.QuestionSpare, "interrupted", true)

	v := s.view(t, tokens[testapp.CandidateOne])
	if v.State != "open" || v.Message != "" || v.Live != nil {
		t.Errorf("state %q, message %q, live %+v", v.State, v.Message, v.Live)
	}
	if v.Interview.Title != "Support engineer" || v.Interview.Description != "Second-line support" ||
		v.Interview.WelcomeText != "Welcome!" || v.Interview.ClosingText != "Thanks, we will be in touch." ||
		v.Interview.BrandColor != "#0a7d5a" || v.Interview.WelcomeVideoURL != "" {
		t.Errorf("interview %+v", v.Interview)
	}
	if v.Candidate.Name != "Ada" || !v.Candidate.Consented || v.Candidate.ExtraTimePercent != 50 ||
		v.Candidate.Deadline != deadline.Time().UTC().Format(time.RFC3339) {
		t.Errorf("candidate %+v, deadline %s", v.Candidate, deadline)
	}
	if v.Practice.AnswerSeconds != 45 || v.RetentionDays != testapp.Config().Retention.Days {
		t.Errorf("practice %+v (want 30 s + 50%%), retention %d", v.Practice, v.RetentionDays)
	}
	if ids := []string{v.Questions[0].ID, v.Questions[len(v.Questions)-1].ID}; len(v.Questions) != 2 ||
		!slices.Equal(ids, []string{testapp.QuestionSpare, testapp.QuestionOne}) {
		t.Fatalf("questions %+v, want the spare one then one", v.Questions)
	}

	spare, one := v.Questions[0], v.Questions[1]
	if spare.Prompt != "Where do you see yourself?" || spare.AnswerSeconds != 135 || spare.ThinkSeconds != 23 ||
		spare.Retakes != 2 || spare.Submitted || spare.VideoURL != "" {
		t.Errorf("spare question %+v, want 90 s and 15 s stretched by 50%%", spare)
	}
	// a failed and an interrupted take are free: one of three takes is used
	if spare.TakesLeft != 2 {
		t.Errorf("takes left %d, want 2", spare.TakesLeft)
	}
	wantTakes := []struct {
		r     *core.Record
		n     int
		video bool
	}{{played, 1, true}, {failed, 2, false}, {cut, 3, true}}
	if len(spare.Takes) != len(wantTakes) {
		t.Fatalf("takes %+v", spare.Takes)
	}
	for i, w := range wantTakes {
		got := spare.Takes[i]
		if got.ID != w.r.Id || got.Take != w.n || got.Status != w.r.GetString("status") || got.DurationMS != 1000 || got.Submitted {
			t.Errorf("take %d: %+v", w.n, got)
		}
		if !w.video {
			if got.VideoURL != "" {
				t.Errorf("take %d has no recording but a video_url %q", w.n, got.VideoURL)
			}
			continue
		}
		res, body := s.do(t, http.MethodGet, got.VideoURL, "", nil)
		want, _ := os.ReadFile(clipWebM)
		if res.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
			t.Errorf("take %d plays %d with %d bytes, want its %d bytes", w.n, res.StatusCode, len(body), len(want))
		}
	}

	if one.Prompt != "Tell us about yourself" || one.AnswerSeconds != 90 || one.ThinkSeconds != 45 || !one.Submitted ||
		one.TakesLeft != 0 || len(one.Takes) != 1 || one.Takes[0].ID != testapp.AnswerOne || !one.Takes[0].Submitted ||
		one.Takes[0].VideoURL != "" {
		t.Errorf("question one %+v: submitted, no take left, its take without a recording", one)
	}

	// the logo shows: the candidate fetches it without any account
	if !strings.HasPrefix(v.Interview.LogoURL, "/api/files/interviews/"+testapp.InterviewOne+"/logo") {
		t.Fatalf("logo_url %q", v.Interview.LogoURL)
	}
	if res, _ := s.do(t, http.MethodGet, v.Interview.LogoURL, "", nil); res.StatusCode != http.StatusOK ||
		res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("logo: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// A link opens its own candidate's interview and nothing of anyone else: not another candidate's takes on the same
// interview, not another interview, and no other candidate's recording or submit.
func TestLinkShowsNothingOfOthers(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	peer := create(t, s.app, "candidates", "candidate000003", map[string]any{
		"interview": testapp.InterviewOne, "name": "Linus Peer", "email": "peer@example.com", "consent_at": types.NowDateTime()})
	peerTake := take(t, s.app, "", peer.Id, testapp.QuestionSpare, "complete", true)
	ownTake := take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)

	res, body := s.do(t, http.MethodGet, base(tokens[testapp.CandidateOne]), "", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), ownTake.Id) {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	for _, secret := range []string{
		peer.Id, "Linus", "peer@example.com", peer.GetString("token"), peerTake.Id, peerTake.GetString("video"),
		testapp.CandidateTwo, "Grace", "grace@example.com", tokens[testapp.CandidateTwo], testapp.AnswerTwo,
		testapp.InterviewTwo, "Sales lead", testapp.QuestionTwo, "Why sales?",
		"ada@example.com", testapp.Recruiter, "@example.com",
	} {
		if strings.Contains(string(body), secret) {
			t.Errorf("the page shows %q: %s", secret, body)
		}
	}

	for _, c := range []struct{ token, answer string }{
		{tokens[testapp.CandidateOne], peerTake.Id},
		{tokens[testapp.CandidateOne], testapp.AnswerTwo},
		{tokens[testapp.CandidateTwo], ownTake.Id},
		{tokens[testapp.CandidateTwo], testapp.AnswerOne},
		{peer.GetString("token"), ownTake.Id},
	} {
		s.expect(t, http.MethodGet, base(c.token)+"/answers/"+c.answer+"/video", "", http.StatusNotFound, "No such take of yours")
		s.expect(t, http.MethodPost, base(c.token)+"/answers/"+c.answer+"/submit", "", http.StatusNotFound, "No such take of yours")
	}
	// nobody's submit went through
	for _, id := range []string{peerTake.Id, ownTake.Id} {
		if a, err := s.app.FindRecordById("answers", id); err != nil || a.GetBool("submitted") {
			t.Errorf("take %s: %v %v", id, a, err)
		}
	}
	// another interview's question cannot be recorded with this link
	s.expect(t, http.MethodPost, base(tokens[testapp.CandidateOne])+"/questions/"+testapp.QuestionTwo+"/takes", "",
		http.StatusNotFound, "not part of your interview")
}

// Nothing is recorded before the candidate consents; the consent is saved once, at the first time it is given.
func TestConsentBeforeRecording(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	update(t, s.app, "candidates", testapp.CandidateOne, map[string]any{"consent_at": ""})
	if v := s.view(t, token); v.Candidate.Consented {
		t.Fatal("the page says consented before the consent")
	}
	s.expect(t, http.MethodPost, base(token)+"/questions/"+testapp.QuestionSpare+"/takes", "", http.StatusForbidden, "accept how your answers are recorded")
	s.expect(t, http.MethodPost, base(token)+"/practice", "", http.StatusForbidden, "accept how your answers are recorded")
	if n, _ := s.app.CountRecords("answers"); n != 2 {
		t.Fatalf("%d answers after refused takes", n)
	}

	before := time.Now().Add(-time.Millisecond) // the stored time has millisecond precision
	s.expect(t, http.MethodPost, base(token)+"/consent", "", http.StatusNoContent, "")
	consentAt := func() time.Time {
		c, err := s.app.FindRecordById("candidates", testapp.CandidateOne)
		if err != nil {
			t.Fatal(err)
		}
		return c.GetDateTime("consent_at").Time()
	}
	first := consentAt()
	if first.Before(before) || first.After(time.Now()) {
		t.Fatalf("consent_at %s, want the time of the request (after %s)", first, before)
	}
	if v := s.view(t, token); !v.Candidate.Consented {
		t.Fatal("the page does not show the consent")
	}
	time.Sleep(5 * time.Millisecond) // a second consent would store a later time
	s.expect(t, http.MethodPost, base(token)+"/consent", "", http.StatusNoContent, "")
	if again := consentAt(); !again.Equal(first) {
		t.Fatalf("a second consent moved consent_at from %s to %s", first, again)
	}

	s.start(t, token, "")                                                             // practice
	s.expect(t, http.MethodDelete, base(token)+"/live", "", http.StatusNoContent, "") // ends it: one live take at a time
	s.start(t, token, testapp.QuestionSpare)
}

// The page holds the interview in one tab at a time: its heartbeat claims it; another tab is refused until the
// first one has been silent for the lease time.
func TestOneTabAtATime(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", `{}`, `{"tab":""}`, `{"tab":"short"}`, `{"tab":"` + strings.Repeat("x", 65) + `"}`,
		`{"tab":12345678}`, `not json`} {
		scenario := tests.ApiScenario{
			Name:            "tab " + body,
			Method:          http.MethodPost,
			URL:             base(tokens[testapp.CandidateOne]) + "/claim",
			Body:            strings.NewReader(body),
			ExpectedStatus:  http.StatusBadRequest,
			ExpectedContent: []string{`Send {\"tab\": ID} with an ID of 8 to 64 characters`},
			ExpectedEvents:  testapp.Fired(),
			TestAppFactory:  scenarioApp,
		}
		scenario.Test(t)
	}

	var elapsed atomic.Int64
	start := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	session.SetClock(t, func() time.Time { return start.Add(time.Duration(elapsed.Load())) })
	at := func(d time.Duration) { elapsed.Store(int64(d)) }

	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	first, second := `{"tab":"tab-first-0001"}`, `{"tab":"`+strings.Repeat("s", 64)+`"}`
	claim := func(tab string, status int) {
		t.Helper()
		want := ""
		if status == http.StatusConflict {
			want = "open in another tab or on another device"
		}
		s.expect(t, http.MethodPost, base(token)+"/claim", tab, status, want)
	}
	claim(first, http.StatusNoContent)
	claim(second, http.StatusConflict)
	claim(first, http.StatusNoContent) // its heartbeat
	at(10 * time.Second)
	claim(second, http.StatusConflict)
	claim(first, http.StatusNoContent) // heartbeat at 10 s
	at(10*time.Second + session.LeaseTTL - time.Millisecond)
	claim(second, http.StatusConflict) // the first tab was heard from just under the lease time ago
	// another candidate is not held up by this one's tab
	s.expect(t, http.MethodPost, base(tokens[testapp.CandidateTwo])+"/claim", first, http.StatusNoContent, "")
	at(10*time.Second + session.LeaseTTL)
	claim(second, http.StatusNoContent) // the first tab was closed: its lease ran out
	claim(first, http.StatusConflict)   // and now the second tab holds the interview
	at(10*time.Second + session.LeaseTTL + 5*time.Second)
	claim(second, http.StatusNoContent)
}

// submitCases are refused submits: the candidate's answers stay as they were.
func TestSubmitRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		token   string
		answer  string
		prepare func(t testing.TB, app *tests.TestApp)
		status  int
		want    string
	}{
		{name: "another candidate's take", token: tokens[testapp.CandidateOne], answer: testapp.AnswerTwo,
			status: http.StatusNotFound, want: "No such take of yours"},
		{name: "no such take", token: tokens[testapp.CandidateOne], answer: "answernothere01",
			status: http.StatusNotFound, want: "No such take of yours"},
		{name: "a failed take", token: tokens[testapp.CandidateOne], answer: "answerfailed001", prepare: func(t testing.TB, app *tests.TestApp) {
			take(t, app, "answerfailed001", testapp.CandidateOne, testapp.QuestionSpare, "failed", false)
		}, status: http.StatusBadRequest, want: "no recording to submit"},
		{name: "a take still recording", token: tokens[testapp.CandidateOne], answer: "answerrecord001", prepare: func(t testing.TB, app *tests.TestApp) {
			take(t, app, "answerrecord001", testapp.CandidateOne, testapp.QuestionSpare, "recording", false)
		}, status: http.StatusConflict, want: "still being recorded"},
		{name: "the submitted take again", token: tokens[testapp.CandidateOne], answer: testapp.AnswerOne,
			status: http.StatusConflict, want: "already submitted"},
		{name: "a second take of a submitted question", token: tokens[testapp.CandidateOne], answer: "answersecond001", prepare: func(t testing.TB, app *tests.TestApp) {
			take(t, app, "answersecond001", testapp.CandidateOne, testapp.QuestionOne, "complete", true)
		}, status: http.StatusConflict, want: "already submitted"},
	} {
		scenario := tests.ApiScenario{
			Name:            c.name,
			Method:          http.MethodPost,
			URL:             base(c.token) + "/answers/" + c.answer + "/submit",
			ExpectedStatus:  c.status,
			ExpectedContent: []string{c.want},
			ExpectedEvents:  testapp.Fired(),
			TestAppFactory:  scenarioApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				if c.prepare != nil {
					c.prepare(t, app)
				}
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				submitted, err := app.FindAllRecords("answers", dbx.HashExp{"submitted": true})
				if err != nil || len(submitted) != 2 {
					t.Errorf("submitted takes %v (%v), want the two fixtures", submitted, err)
				}
				cand, err := app.FindRecordById("candidates", testapp.CandidateOne)
				if err != nil || cand.GetString("status") == "completed" || !cand.GetDateTime("completed_at").IsZero() {
					t.Errorf("candidate %v %v", cand, err)
				}
			},
		}
		scenario.Test(t)
	}
}

// submitted is the submit route's answer.
type submitted struct {
	Completed bool `json:"completed"`
}

func (s *server) submit(t *testing.T, token, answer string) submitted {
	t.Helper()
	var r submitted
	if err := json.Unmarshal(s.expect(t, http.MethodPost, base(token)+"/answers/"+answer+"/submit", "", http.StatusOK, `"completed"`), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// Each submitted answer closes its question; the last one completes the interview, and from then on the link
// changes nothing any more.
func TestSubmitUntilComplete(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	third := create(t, s.app, "questions", "", map[string]any{"interview": testapp.InterviewOne, "position": 3, "prompt": "Any questions?", "answer_seconds": 30})
	spare := take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)
	// an interrupted take keeps what was said and may be submitted
	cut := take(t, s.app, "", testapp.CandidateOne, third.Id, "interrupted", true)

	if r := s.submit(t, token, spare.Id); r.Completed {
		t.Fatal("completed with a question left")
	}
	if c, _ := s.app.FindRecordById("candidates", testapp.CandidateOne); c.GetString("status") == "completed" {
		t.Fatal("the candidate is completed with a question left")
	}
	v := s.view(t, token)
	if q := question(t, v, testapp.QuestionSpare); !q.Submitted || q.TakesLeft != 0 || !q.Takes[0].Submitted {
		t.Errorf("the submitted question %+v", q)
	}
	if q := question(t, v, third.Id); q.Submitted || q.TakesLeft != 1 {
		t.Errorf("the open question %+v", q)
	}
	s.expect(t, http.MethodPost, base(token)+"/questions/"+testapp.QuestionSpare+"/takes", "", http.StatusConflict, "already submitted")

	before := time.Now().Add(-time.Millisecond)
	if r := s.submit(t, token, cut.Id); !r.Completed {
		t.Fatal("the last answer did not complete the interview")
	}
	c, err := s.app.FindRecordById("candidates", testapp.CandidateOne)
	if err != nil || c.GetString("status") != "completed" || c.GetDateTime("completed_at").Time().Before(before) {
		t.Fatalf("candidate after the last answer: %v %v", c, err)
	}
	v = s.view(t, token)
	if v.State != "completed" || !strings.Contains(v.Message, "completed this interview") || len(v.Questions) != 0 {
		t.Errorf("page after completion: %+v", v)
	}

	const done = "You have completed this interview"
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/consent", ""},
		{http.MethodPost, "/claim", `{"tab":"tab-000000001"}`},
		{http.MethodPost, "/answers/" + spare.Id + "/submit", ""},
		{http.MethodPost, "/answers/" + cut.Id + "/submit", ""},
		{http.MethodPost, "/questions/" + third.Id + "/takes", ""},
		{http.MethodPost, "/practice", ""},
	} {
		s.expect(t, r.method, base(token)+r.path, r.body, http.StatusGone, done)
	}
	if n, _ := s.app.CountRecords("answers", dbx.HashExp{"candidate": testapp.CandidateOne}); n != 3 {
		t.Errorf("%d takes after completion, want 3", n)
	}
}
