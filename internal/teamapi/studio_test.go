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
	welcome := "/api/takeone/interviews/" + InterviewOne + "/welcome-video/takes"
	for _, c := range []struct {
		user, path string
		status     int
		want       string
	}{
		{"", welcome, 401, `"status":401`},
		{Reviewer, welcome, 404, "No such interview"},
		{OtherRecruiter, welcome, 404, "No such interview"},
		{OtherRecruiter, "/api/takeone/questions/" + QuestionOne + "/video/takes", 404, "No such question"},
		{Admin, "/api/takeone/interviews/nosuchinterview/welcome-video/takes", 404, "No such interview"},
		{Recruiter, welcome, 201, `"whip_url":"http://127.0.0.1:8090/api/takeone/whip/studio-`},
		{Admin, "/api/takeone/questions/" + QuestionOne + "/video/takes", 201, `"max_seconds":600`},
	} {
		who := c.user
		if who == "" {
			who = "anonymous"
		}
		s := tests.ApiScenario{
			Name:            who + " " + c.path,
			Method:          http.MethodPost,
			URL:             c.path,
			Headers:         tpl.Auth(c.user),
			ExpectedStatus:  c.status,
			ExpectedContent: []string{c.want},
			ExpectedEvents:  map[string]int{"*": 0}, // a studio take writes no record until it ends
			TestAppFactory:  studioApp,
		}
		s.Test(t)
	}
}

func TestOneLiveStudioTakePerMember(t *testing.T) {
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
