package teamapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	. "github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testtool"
)

const membersURL = "/api/takeone/team/members"

func TestInviteMemberRules(t *testing.T) {
	t.Parallel()
	body := `{"name":"Riley","email":"riley@example.com","role":"reviewer"}`
	run(t, []tests.ApiScenario{
		{Name: "anonymous", Method: http.MethodPost, URL: membersURL, Body: strings.NewReader(body), ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: Fired()},
		{Name: "a recruiter", Method: http.MethodPost, URL: membersURL, Body: strings.NewReader(body), Headers: tpl.Auth(Recruiter), ExpectedStatus: 403, ExpectedContent: []string{"Only admins add team members"}, ExpectedEvents: Fired()},
		{Name: "a reviewer", Method: http.MethodPost, URL: membersURL, Body: strings.NewReader(body), Headers: tpl.Auth(Reviewer), ExpectedStatus: 403, ExpectedContent: []string{"Only admins"}, ExpectedEvents: Fired()},
		{Name: "bad fields", Method: http.MethodPost, URL: membersURL, Body: strings.NewReader(`{"name":" ","email":"nope","role":"boss"}`), Headers: tpl.Auth(Admin),
			ExpectedStatus: 400, ExpectedContent: []string{`"name":{"code":"invalid","message":"Enter the name."}`, `"email":{"code":"invalid"`, `"role":{"code":"invalid","message":"Choose admin, recruiter or reviewer."}`}, ExpectedEvents: Fired()},
		{Name: "someone already on the team", Method: http.MethodPost, URL: membersURL, Body: strings.NewReader(`{"name":"Again","email":"` + Reviewer + `@example.com","role":"reviewer"}`),
			Headers: tpl.Auth(Admin), ExpectedStatus: 400, ExpectedContent: []string{"already on the team"}, ExpectedEvents: Fired()},
		{Name: "an admin, without SMTP: the account and a link to pass on", Method: http.MethodPost, URL: membersURL, Body: strings.NewReader(body), Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{`"email_sent":false`, `"reason":"The invitation email was not sent`, `"link":"http://127.0.0.1:8090/welcome/`}, ExpectedEvents: Fired(RecordCreated),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				u, err := app.FindAuthRecordByEmail("users", "riley@example.com")
				if err != nil || u.GetString("role") != "reviewer" || u.GetString("name") != "Riley" {
					t.Fatalf("member: %v %v", u, err)
				}
			}},
	})
}

// The invitation email's link lets the new member choose a password and sign in; the link then stops working.
func TestNewMemberChoosesAPasswordFromTheEmail(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t)
	app := tpl.New(t)
	defer app.Cleanup()
	box.Use(t, app)
	srv := httptest.NewServer(Mux(t, app))
	defer srv.Close()
	call := func(path, auth, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	status, body := call(membersURL, tpl.Tokens[Admin], `{"name":"Riley","email":"riley@example.com","role":"recruiter"}`)
	if status != 200 || !strings.Contains(body, `"email_sent":true`) {
		t.Fatalf("invite: %d %s", status, body)
	}
	e := box.Await(t, 1, 10*time.Second)[0]
	if e.Subject != "You are invited to the hiring team on Takeone" || e.Recipients()[0] != "riley@example.com" || !strings.Contains(e.Text, "as recruiter") {
		t.Fatalf("email %q to %v:\n%s", e.Subject, e.Recipients(), e.Text)
	}
	m := regexp.MustCompile(`/welcome/(\S+)`).FindStringSubmatch(e.Text)
	if m == nil {
		t.Fatalf("no link in:\n%s", e.Text)
	}
	token := m[1]
	confirm := `{"token":"` + token + `","password":"my own passphrase","passwordConfirm":"my own passphrase"}`
	if status, body := call("/api/collections/users/confirm-password-reset", "", confirm); status != 204 {
		t.Fatalf("choosing the password: %d %s", status, body)
	}
	status, body = call("/api/collections/users/auth-with-password", "", `{"identity":"riley@example.com","password":"my own passphrase"}`)
	var auth struct {
		Record struct{ Role string }
	}
	_ = json.Unmarshal([]byte(body), &auth)
	if status != 200 || auth.Record.Role != "recruiter" {
		t.Fatalf("signing in: %d %s", status, body)
	}
	if status, _ := call("/api/collections/users/confirm-password-reset", "", confirm); status == 204 {
		t.Error("the link worked a second time")
	}
}
