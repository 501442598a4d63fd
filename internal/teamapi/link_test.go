package teamapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	. "github.com/takeone/takeone/internal/testapp"
)

var tpl *Template

func TestMain(m *testing.M) { Main(m, &tpl) }

// run runs a table of requests, each on a fresh clone of the template; every case says which events fire.
func run(t *testing.T, scenarios []tests.ApiScenario) {
	t.Helper()
	for _, s := range scenarios {
		if s.ExpectedEvents == nil {
			t.Fatalf("%s: no ExpectedEvents", s.Name)
		}
		if s.TestAppFactory == nil {
			s.TestAppFactory = tpl.New
		}
		s.Test(t)
	}
}

func TestCandidateLink(t *testing.T) {
	t.Parallel()
	url := "/api/takeone/candidates/" + CandidateOne + "/link"
	theCandidatesLink := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		candidate, err := app.FindRecordById("candidates", CandidateOne)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		if want := "/i/" + candidate.GetString("token") + `"`; !strings.Contains(string(body), want) {
			t.Fatalf("link %s is not the candidate's (%s)", body, want)
		}
	}
	run(t, []tests.ApiScenario{
		{Name: "admin gets the link", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{`"url":"http://127.0.0.1:8090/i/`}, ExpectedEvents: Fired(), AfterTestFunc: theCandidatesLink},
		{Name: "the owner gets the link", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{`"url":"http://127.0.0.1:8090/i/`}, ExpectedEvents: Fired(), AfterTestFunc: theCandidatesLink},
		{Name: "a recruiter on the team gets the link", Method: http.MethodPost, URL: url, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{`/i/`}, ExpectedEvents: Fired(), AfterTestFunc: theCandidatesLink},
		{Name: "a reviewer does not", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired()},
		{Name: "a recruiter off the team does not", Method: http.MethodPost, URL: url, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired()},
		{Name: "a reviewer off the team does not", Method: http.MethodPost, URL: url, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired()},
		{Name: "anonymous does not", Method: http.MethodPost, URL: url,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: Fired()},
		{Name: "an unknown candidate", Method: http.MethodPost, URL: "/api/takeone/candidates/nosuchcandidat/link", Headers: tpl.Auth(Admin),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired()},
	})
}
