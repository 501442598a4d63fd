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

func TestCandidateLink(t *testing.T) {
	url := "/api/takeone/candidates/" + CandidateOne + "/link"
	for _, c := range []struct {
		name   string
		as     string
		url    string
		status int
		see    string
	}{
		{"admin gets the link", Admin, url, 200, `"url":"http://127.0.0.1:8090/i/`},
		{"the owner gets the link", Recruiter, url, 200, `"url":"http://127.0.0.1:8090/i/`},
		{"a recruiter on the team gets the link", RecruiterOnTeam, url, 200, `/i/`},
		{"a reviewer does not", Reviewer, url, 404, "No such candidate"},
		{"a recruiter off the team does not", OtherRecruiter, url, 404, "No such candidate"},
		{"a reviewer off the team does not", OtherReviewer, url, 404, "No such candidate"},
		{"anonymous does not", "", url, 401, `"status":401`},
		{"an unknown candidate", Admin, "/api/takeone/candidates/nosuchcandidat/link", 404, "No such candidate"},
	} {
		s := tests.ApiScenario{
			Name:            c.name,
			Method:          http.MethodPost,
			URL:             c.url,
			Headers:         tpl.Auth(c.as),
			ExpectedStatus:  c.status,
			ExpectedContent: []string{c.see},
			TestAppFactory:  tpl.New,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if c.status != 200 {
					return
				}
				candidate, err := app.FindRecordById("candidates", CandidateOne)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				if want := "/i/" + candidate.GetString("token") + `"`; !strings.Contains(string(body), want) {
					t.Fatalf("link %s is not the candidate's (%s)", body, want)
				}
			},
		}
		s.Test(t)
	}
}
