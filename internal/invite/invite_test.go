package invite_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/invite"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testtool"
)

var tpl *testapp.Template

func TestMain(m *testing.M) { testapp.Main(m, &tpl) }

// addCandidate adds a candidate to InterviewOne as the team would.
func addCandidate(t *testing.T, app core.App, name, email string, fields map[string]any) *core.Record {
	t.Helper()
	c, err := app.FindCollectionByNameOrId("candidates")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(c)
	r.Load(map[string]any{"interview": testapp.InterviewOne, "name": name, "email": email})
	r.Load(fields)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// awaitInvite waits until the background invitation has an outcome.
func awaitInvite(t *testing.T, app core.App, id string) *core.Record {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r, err := app.FindRecordById("candidates", id)
		if err != nil {
			t.Fatal(err)
		}
		if r.GetString("invite_status") != "" {
			return r
		}
	}
	t.Fatal("the invitation has no outcome after 20 s")
	return nil
}

func TestInvitationGoesOutWhenTheTeamAddsACandidate(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t)
	app := tpl.New(t)
	defer app.Cleanup()
	box.Use(t, app)

	c := addCandidate(t, app, "Linus", "linus@example.com", nil)
	emails := box.Await(t, 1, 10*time.Second)
	e := emails[0]
	link := testapp.Config().Server.PublicURL + "/i/" + c.GetString("token")
	if e.Subject != "Your video interview for Support engineer" || e.Recipients()[0] != "linus@example.com" {
		t.Errorf("invitation %q to %v", e.Subject, e.Recipients())
	}
	for _, want := range []string{"Hello Linus", "2 questions", link, "do not share"} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("the invitation does not say %q:\n%s", want, e.Text)
		}
	}
	if !strings.Contains(e.HTML, `<a href="`+link+`">`) {
		t.Errorf("the HTML part has no link: %s", e.HTML)
	}
	got := awaitInvite(t, app, c.Id)
	if got.GetString("invite_status") != "sent" || got.GetDateTime("invited_at").IsZero() || got.GetString("invite_error") != "" {
		t.Errorf("candidate after the invitation: %v", got.FieldsData())
	}
}

// An unreachable mail server and a refused address: the candidate is kept, shown as not sent with the reason, and
// a retry sends it once the mail server works.
func TestInvitationNotSentIsKeptAndRetried(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t, "--smtp-allowed-recipients", `@example\.com$`)
	app := tpl.New(t)
	defer app.Cleanup()
	box.Use(t, app)
	working := app.Settings().SMTP.Port
	settings := app.Settings()
	settings.SMTP.Port = closedPort(t)
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}

	c := addCandidate(t, app, "Linus", "linus@example.com", nil)
	got := awaitInvite(t, app, c.Id)
	if got.GetString("invite_status") != "failed" || !strings.Contains(got.GetString("invite_error"), "Check the SMTP settings") {
		t.Fatalf("with the mail server down: %q %q", got.GetString("invite_status"), got.GetString("invite_error"))
	}

	srv := httptest.NewServer(testapp.Mux(t, app))
	defer srv.Close()
	retry := func(wantStatus int, want string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/takeone/candidates/"+c.Id+"/invite", nil)
		req.Header.Set("Authorization", tpl.Tokens[testapp.Recruiter])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != wantStatus || !strings.Contains(string(body), want) {
			t.Fatalf("retry: %d %s, want %d with %q", res.StatusCode, body, wantStatus, want)
		}
	}
	retry(http.StatusBadGateway, "did not take the email")

	settings.SMTP.Port = working
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	retry(http.StatusOK, `"invite_status":"sent"`)
	if e := box.Await(t, 1, 10*time.Second); e[0].Recipients()[0] != "linus@example.com" {
		t.Errorf("the retry went to %v", e[0].Recipients())
	}

	// an address the mail server refuses
	refused := addCandidate(t, app, "Nobody", "nobody@refused.test", nil)
	got = awaitInvite(t, app, refused.Id)
	if got.GetString("invite_status") != "failed" || !strings.Contains(got.GetString("invite_error"), "did not take the email") {
		t.Errorf("a refused address: %q %q", got.GetString("invite_status"), got.GetString("invite_error"))
	}
}

func TestInvitationWithoutSMTPSaysWhatToDo(t *testing.T) {
	t.Parallel()
	app := tpl.New(t)
	defer app.Cleanup()
	c := addCandidate(t, app, "Linus", "linus@example.com", nil)
	got := awaitInvite(t, app, c.Id)
	if got.GetString("invite_status") != "failed" || !strings.Contains(got.GetString("invite_error"), "Copy the candidate's link") {
		t.Errorf("without SMTP: %q %q", got.GetString("invite_status"), got.GetString("invite_error"))
	}
	if n := app.TestMailer.TotalSend(); n != 0 {
		t.Errorf("%d emails sent without SMTP", n)
	}
}

func TestResendIsForTheCandidatesInviters(t *testing.T) {
	t.Parallel()
	url := "/api/takeone/candidates/" + testapp.CandidateOne + "/invite"
	for _, s := range []tests.ApiScenario{
		{Name: "anonymous", Method: http.MethodPost, URL: url, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: testapp.Fired()},
		{Name: "a reviewer on the team", Method: http.MethodPost, URL: url, Headers: tpl.Auth(testapp.Reviewer), ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: testapp.Fired()},
		{Name: "another recruiter", Method: http.MethodPost, URL: url, Headers: tpl.Auth(testapp.OtherRecruiter), ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: testapp.Fired()},
		{Name: "an unknown candidate", Method: http.MethodPost, URL: "/api/takeone/candidates/nosuchcandidate/invite", Headers: tpl.Auth(testapp.Admin), ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: testapp.Fired()},
		// no SMTP in the test config: the owner's retry is taken and answered with what to do
		{Name: "the owner", Method: http.MethodPost, URL: url, Headers: tpl.Auth(testapp.Recruiter), ExpectedStatus: 502, ExpectedContent: []string{"No mail server is set up"}, ExpectedEvents: testapp.Fired(testapp.RecordUpdated)},
		{Name: "a recruiter on the team", Method: http.MethodPost, URL: url, Headers: tpl.Auth(testapp.RecruiterOnTeam), ExpectedStatus: 502, ExpectedContent: []string{"No mail server is set up"}, ExpectedEvents: testapp.Fired(testapp.RecordUpdated)},
		{Name: "an admin", Method: http.MethodPost, URL: url, Headers: tpl.Auth(testapp.Admin), ExpectedStatus: 502, ExpectedContent: []string{"No mail server is set up"}, ExpectedEvents: testapp.Fired(testapp.RecordUpdated)},
	} {
		s.TestAppFactory = tpl.New
		s.Test(t)
	}
}

func TestRemindersBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t)
	app := tpl.New(t)
	defer app.Cleanup()
	box.Use(t, app)
	now := time.Now()
	in := func(d time.Duration) types.DateTime { v, _ := types.ParseDateTime(now.Add(d)); return v }

	due := addCandidate(t, app, "Due", "due@example.com", map[string]any{"deadline": in(24 * time.Hour)})
	later := addCandidate(t, app, "Later", "later@example.com", map[string]any{"deadline": in(5 * 24 * time.Hour)})
	done := addCandidate(t, app, "Done", "done@example.com", map[string]any{"deadline": in(24 * time.Hour)})
	for _, c := range []*core.Record{due, later, done} {
		awaitInvite(t, app, c.Id)
	}
	box.Await(t, 3, 10*time.Second) // the three invitations
	done.Set("status", "completed")
	if err := app.Save(done); err != nil {
		t.Fatal(err)
	}

	n, err := invite.Remind(app, "https://interviews.example.com", now)
	if err != nil || n != 1 {
		t.Fatalf("Remind: %d, %v; want 1", n, err)
	}
	emails := box.Await(t, 4, 10*time.Second)
	var reminder testtool.Email
	for _, e := range emails {
		if strings.HasPrefix(e.Subject, "Reminder") {
			reminder = e
		}
	}
	if reminder.Subject != "Reminder: your video interview for Support engineer" || reminder.Recipients()[0] != "due@example.com" ||
		!strings.Contains(reminder.Text, "https://interviews.example.com/i/"+due.GetString("token")) {
		t.Errorf("reminder %q to %v:\n%s", reminder.Subject, reminder.Recipients(), reminder.Text)
	}
	if n, err := invite.Remind(app, "https://interviews.example.com", now.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("a second check reminded %d again (%v)", n, err)
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	addr := testtool.FreeLoopbackAddr(t)
	var port int
	for _, c := range addr[strings.LastIndex(addr, ":")+1:] {
		port = port*10 + int(c-'0')
	}
	return port
}
