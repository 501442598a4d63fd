package teamapi_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	. "github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testtool"
)

const stageURL = "/api/takeone/candidates/" + CandidateOne + "/stage"

// stageIs checks the candidate's saved stage after a request.
func stageIs(want string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		c, err := app.FindRecordById("candidates", CandidateOne)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.GetString("stage"); got != want {
			t.Fatalf("stage %q, want %q", got, want)
		}
	}
}

func emailBody(stage, subject, text string) string {
	b, _ := json.Marshal(map[string]any{"stage": stage, "email": map[string]string{"subject": subject, "text": text}})
	return string(b)
}

// Who may move a candidate, what is refused, and that nothing is half saved. No SMTP here.
func TestChangeStage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 10001)
	run(t, []tests.ApiScenario{
		{Name: "the owner shortlists", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"stage":"shortlisted"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"stage":"shortlisted"`, `"email":"none"`}, ExpectedEvents: Fired(RecordUpdated), AfterTestFunc: stageIs("shortlisted")},
		{Name: "a recruiter on the team rejects", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(`{"stage":"rejected"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"stage":"rejected"`}, ExpectedEvents: Fired(RecordUpdated), AfterTestFunc: stageIs("rejected")},
		{Name: "an admin hires", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"stage":"hired"`}, ExpectedEvents: Fired(RecordUpdated), AfterTestFunc: stageIs("hired")},
		{Name: "back to new", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"stage":"new"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"stage":"new"`}, ExpectedEvents: Fired(RecordUpdated), AfterTestFunc: stageIs("new")},
		{Name: "a reviewer on the team cannot", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "a recruiter off the team cannot", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(OtherRecruiter), Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "a reviewer off the team cannot", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(OtherReviewer), Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "anonymous cannot", Method: http.MethodPost, URL: stageURL, Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "an unknown candidate", Method: http.MethodPost, URL: "/api/takeone/candidates/nosuchcandidat/stage", Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired()},

		{Name: "an unknown stage", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"stage":"maybe"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"message":"Unknown stage \"maybe\": use new, shortlisted, rejected or hired."`, `"stage":{"code":"invalid"`}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "no stage", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{}`),
			ExpectedStatus: 400, ExpectedContent: []string{`Unknown stage \"\"`}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "not JSON", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`stage=hired`),
			ExpectedStatus: 400, ExpectedContent: []string{`Send JSON: {\"stage\": \"shortlisted\"`}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "an email without a subject", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(emailBody("rejected", "  ", "Thank you.")),
			ExpectedStatus: 400, ExpectedContent: []string{"The email needs a subject (or leave the email out", `"email.subject"`}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "an email without a text", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(emailBody("rejected", "Your application", "\n")),
			ExpectedStatus: 400, ExpectedContent: []string{"The email needs a text", `"email.text"`}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "a text over 10,000 characters", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(emailBody("rejected", "Your application", long)),
			ExpectedStatus: 400, ExpectedContent: []string{"The email text has 10001 characters; shorten it to 10000."}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "a subject on two lines", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(emailBody("rejected", "Hi\r\nBcc: everyone@example.com", "Text")),
			ExpectedStatus: 400, ExpectedContent: []string{"Write the subject on one line."}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "a subject of 201 characters", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(emailBody("rejected", strings.Repeat("s", 201), "Text")),
			ExpectedStatus: 400, ExpectedContent: []string{"The subject has 201 characters; shorten it to 200."}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},
		{Name: "every problem at once", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(emailBody("later", "", "")),
			ExpectedStatus: 400, ExpectedContent: []string{`"stage":{`, `"email.subject":{`, `"email.text":{`}, ExpectedEvents: Fired(), AfterTestFunc: stageIs("new")},

		{Name: "no mail server: the stage is saved, the answer says the email was not sent and what to do", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter),
			Body:           strings.NewReader(emailBody("rejected", "Your application", strings.Repeat("x", 10000))),
			ExpectedStatus: 502, ExpectedContent: []string{"The stage is saved (rejected), but the email was not sent. No mail server is set up (smtp.host)", "write to the candidate yourself", `"email":"failed"`, `"stage":"rejected"`},
			ExpectedEvents: Fired(RecordUpdated),
			AfterTestFunc:  stageIs("rejected")},
	})
}

// The default email of every stage is ready to send: the candidate's name, the interview's title, the sender, and
// within the limits the stage route checks.
func TestStageEmailTemplates(t *testing.T) {
	t.Parallel()
	url := "/api/takeone/candidates/" + CandidateOne + "/stage-email?stage="
	run(t, []tests.ApiScenario{
		{Name: "rejected", Method: http.MethodGet, URL: url + "rejected", Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Your application for Support engineer"`, `Hello Ada,`, "not to move forward", `Kind regards,\nTest recruiter`}, ExpectedEvents: Fired()},
		{Name: "shortlisted", Method: http.MethodGet, URL: url + "shortlisted", Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Your video interview for Support engineer: next steps"`, "Hello Ada,", "next step"}, ExpectedEvents: Fired()},
		{Name: "hired", Method: http.MethodGet, URL: url + "hired", Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Good news about Support engineer"`, "Hello Ada,", "Congratulations", "Test admin"}, ExpectedEvents: Fired()},
		{Name: "new", Method: http.MethodGet, URL: url + "new", Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Your video interview for Support engineer"`, "reviewing them"}, ExpectedEvents: Fired()},
		{Name: "an unknown stage", Method: http.MethodGet, URL: url + "later", Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 400, ExpectedContent: []string{`Unknown stage \"later\": ask for ?stage=new, shortlisted, rejected or hired.`}, ExpectedEvents: Fired()},
		{Name: "no stage", Method: http.MethodGet, URL: "/api/takeone/candidates/" + CandidateOne + "/stage-email", Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 400, ExpectedContent: []string{"Unknown stage"}, ExpectedEvents: Fired()},
		{Name: "a reviewer does not get one", Method: http.MethodGet, URL: url + "rejected", Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired()},
		{Name: "another team does not", Method: http.MethodGet, URL: url + "rejected", Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{"No such candidate"}, ExpectedEvents: Fired()},
		{Name: "anonymous does not", Method: http.MethodGet, URL: url + "rejected",
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: Fired()},
	})
}

// Over a real SMTP server: the team takes the default email, edits it, moves the candidate and the email arrives
// as written; a server that refuses the candidate's address, or one that cannot be reached, leaves the stage saved
// and says so.
func TestStageEmailGoesToTheCandidate(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t, "--smtp-allowed-recipients", `^ada@example\.com$`)
	withBox := func(t testing.TB) *tests.TestApp {
		app := tpl.New(t)
		box.Use(t, app)
		return app
	}
	var template struct{ Subject, Text string }
	(&tests.ApiScenario{Name: "the default rejection", Method: http.MethodGet, URL: "/api/takeone/candidates/" + CandidateOne + "/stage-email?stage=rejected",
		Headers: tpl.Auth(Recruiter), ExpectedStatus: 200, ExpectedContent: []string{`"subject"`}, ExpectedEvents: Fired(), TestAppFactory: withBox,
		AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			if err := json.NewDecoder(res.Body).Decode(&template); err != nil {
				t.Fatal(err)
			}
		}}).Test(t)
	text := template.Text + "\n\nP.S. Your answer on teamwork stood out."

	(&tests.ApiScenario{Name: "edited and sent with the stage", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter),
		Body: strings.NewReader(emailBody("rejected", template.Subject, text)), TestAppFactory: withBox,
		ExpectedStatus: 200, ExpectedContent: []string{`"stage":"rejected"`, `"email":"sent"`}, ExpectedEvents: Fired(RecordUpdated, MailerSend), AfterTestFunc: stageIs("rejected")}).Test(t)
	e := box.Await(t, 1, 10*time.Second)[0]
	if got := e.Recipients(); len(got) != 1 || got[0] != "ada@example.com" || e.To[0].Name != "Ada" {
		t.Errorf("sent to %+v, want Ada <ada@example.com>", e.To)
	}
	if e.Subject != "Your application for Support engineer" {
		t.Errorf("subject %q", e.Subject)
	}
	for _, want := range []string{"Hello Ada,", "Support engineer", "not to move forward", "Kind regards,", "Test recruiter", "P.S. Your answer on teamwork stood out."} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("the email does not say %q:\n%s", want, e.Text)
		}
	}

	(&tests.ApiScenario{Name: "an address the mail server refuses", Method: http.MethodPost, URL: "/api/takeone/candidates/" + CandidateTwo + "/stage", Headers: tpl.Auth(OtherRecruiter),
		Body: strings.NewReader(emailBody("shortlisted", "Next steps", "Hello Grace.")), TestAppFactory: withBox,
		ExpectedStatus: 502, ExpectedContent: []string{"The stage is saved (shortlisted), but the email was not sent. The mail server did not take it (", "check the candidate's email address and the SMTP settings, then send it again", `"email":"failed"`},
		ExpectedEvents: Fired(RecordUpdated, MailerSend),
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if c, _ := app.FindRecordById("candidates", CandidateTwo); c.GetString("stage") != "shortlisted" {
				t.Fatalf("stage %q after a refused email, want it saved", c.GetString("stage"))
			}
		}}).Test(t)

	closed := closedPort(t)
	(&tests.ApiScenario{Name: "a mail server that cannot be reached", Method: http.MethodPost, URL: stageURL, Headers: tpl.Auth(Recruiter),
		Body: strings.NewReader(emailBody("hired", "Good news", "Hello Ada.")),
		TestAppFactory: func(t testing.TB) *tests.TestApp {
			app := withBox(t)
			app.Settings().SMTP.Port = closed
			return app
		},
		ExpectedStatus:  502,
		ExpectedContent: []string{"The stage is saved (hired), but the email was not sent. The mail server did not take it", `"email":"failed"`},
		ExpectedEvents:  Fired(RecordUpdated, MailerSend),
		AfterTestFunc:   stageIs("hired")}).Test(t)
	if n := len(box.Await(t, 1, time.Second)); n != 1 {
		t.Errorf("%d emails in the mailbox, want only the first", n)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
