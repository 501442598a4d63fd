package teamapi_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/takeone/takeone/hooks"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/setup"
	. "github.com/takeone/takeone/internal/testapp"
)

// studioApp is the fixtures with the routes bound as the server binds them, the team's recording routes included.
// Starting a take needs the recorder but no media engine: these tests publish nothing. Recording itself is tested
// with the recorder (internal/ingest).
func studioApp(t testing.TB) *tests.TestApp {
	t.Helper()
	app := tpl.Bare(t)
	in, err := ingest.New(app, nil, ingest.Config{
		Dir:         filepath.Join(app.DataDir(), "recordings"),
		PublicURL:   "http://127.0.0.1:8090",
		MaxSessions: 10,
		MaxAnswer:   10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	hooks.Register(app, hooks.Deps{Config: Config(), Setup: setup.New(app), Ingest: in})
	return app
}

func TestStudioTakesAreForThoseWhoManageTheInterview(t *testing.T) {
	t.Parallel()
	welcome := "/api/takeone/interviews/" + InterviewOne + "/welcome-video/takes"
	question := "/api/takeone/questions/" + QuestionOne + "/video/takes"
	// a studio take writes no record until it ends: no case fires an event
	run(t, []tests.ApiScenario{
		{Name: "anonymous", Method: http.MethodPost, URL: welcome,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: Fired(), TestAppFactory: studioApp},
		{Name: "a reviewer on the team", Method: http.MethodPost, URL: welcome, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: Fired(), TestAppFactory: studioApp},
		{Name: "a recruiter off the team", Method: http.MethodPost, URL: welcome, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: Fired(), TestAppFactory: studioApp},
		{Name: "a recruiter off the team, for a question", Method: http.MethodPost, URL: question, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{"No such question"}, ExpectedEvents: Fired(), TestAppFactory: studioApp},
		{Name: "an unknown interview", Method: http.MethodPost, URL: "/api/takeone/interviews/nosuchinterview/welcome-video/takes", Headers: tpl.Auth(Admin),
			ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: Fired(), TestAppFactory: studioApp},
		{Name: "the owner records the welcome video", Method: http.MethodPost, URL: welcome, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 201, ExpectedContent: []string{`"whip_url":"http://127.0.0.1:8090/api/takeone/whip/studio-`}, ExpectedEvents: Fired(), TestAppFactory: studioApp},
		{Name: "an admin records a question video", Method: http.MethodPost, URL: question, Headers: tpl.Auth(Admin),
			ExpectedStatus: 201, ExpectedContent: []string{`"max_seconds":600`}, ExpectedEvents: Fired(), TestAppFactory: studioApp},
	})
}

func TestOneLiveStudioTakePerMember(t *testing.T) {
	t.Parallel()
	app := studioApp(t)
	defer app.Cleanup()
	mux := Mux(t, app)
	start := func(user string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/takeone/interviews/"+InterviewOne+"/welcome-video/takes", nil)
		req.Header.Set("Authorization", tpl.Tokens[user])
		res := httptest.NewRecorder()
		mux.ServeHTTP(res, req)
		return res
	}
	if res := start(Recruiter); res.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", res.Code, res.Body)
	}
	if res := start(Recruiter); res.Code != http.StatusConflict {
		t.Errorf("second live take: %d %s", res.Code, res.Body)
	}
	if res := start(RecruiterOnTeam); res.Code != http.StatusCreated {
		t.Errorf("another member's take: %d %s", res.Code, res.Body)
	}
}
