package session_test

import (
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testtool"
)

// mailpit is the SMTP server the email tests send to, read back through its HTTP API. It is built from the Go module
// proxy, not required by go.mod; Go's build cache keeps the build after the first run.
const mailpit = "github.com/axllent/mailpit@v1.33.1"

// mailbox is a running mailpit on loopback.
type mailbox struct {
	SMTPPort int
	API      string // base URL of its HTTP API
}

// startMailbox builds mailpit, starts it on free loopback ports and stops it when the test ends.
func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	exe := testtool.Install(t, mailpit, 5*time.Minute)
	dir := filepath.Dir(exe)
	addrs := testtool.Serve(t, exe, dir, 2, func(a []string) []string {
		return []string{"--smtp", a[0], "--listen", a[1], "--database", filepath.Join(dir, "mailpit.db"),
			"--disable-version-check", "--smtp-disable-rdns", "--quiet"}
	})
	_, port, _ := net.SplitHostPort(addrs[0])
	n, _ := strconv.Atoi(port)
	return &mailbox{SMTPPort: n, API: "http://" + addrs[1] + "/api/v1"}
}

type address struct {
	Name    string
	Address string
}

// email is a message as mailpit received it.
type email struct {
	ID      string
	From    address
	To      []address
	Subject string
	Text    string
	HTML    string
}

func (e email) recipients() []string {
	out := make([]string, 0, len(e.To))
	for _, a := range e.To {
		out = append(out, a.Address)
	}
	slices.Sort(out)
	return out
}

func (m *mailbox) get(t *testing.T, path string, v any) {
	t.Helper()
	res, err := http.Get(m.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// await waits until n messages arrived, at most d, and returns them with their bodies.
func (m *mailbox) await(t *testing.T, n int, d time.Duration) []email {
	t.Helper()
	deadline := time.Now().Add(d)
	var list struct {
		Total    int
		Messages []email
	}
	for {
		m.get(t, "/messages", &list)
		if list.Total >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if list.Total != n {
		t.Fatalf("%d emails arrived, want %d: %+v", list.Total, n, list.Messages)
	}
	out := make([]email, 0, n)
	for _, e := range list.Messages {
		var full email
		m.get(t, "/message/"+e.ID, &full)
		out = append(out, full)
	}
	return out
}

// useMailbox points the app's SMTP settings at the mailbox. The test app swaps every mail client for its
// recorder; a handler after it puts a real SMTP client with those settings back, so the emails go over SMTP.
func useMailbox(t *testing.T, app core.App, m *mailbox) {
	t.Helper()
	settings := app.Settings()
	settings.Meta.SenderName = "Takeone"
	settings.Meta.SenderAddress = "interviews@example.com"
	settings.SMTP.Enabled = true
	settings.SMTP.Host = "127.0.0.1"
	settings.SMTP.Port = m.SMTPPort
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		s := e.App.Settings().SMTP
		e.Mailer = &mailer.SMTPClient{Host: s.Host, Port: s.Port, TLS: s.TLS}
		return e.Next()
	})
}

// Completing the interview emails the candidate a confirmation and the interview's owner and team a notice with
// the link to the answers.
func TestCompletionEmails(t *testing.T) {
	box := startMailbox(t)
	s := newServer(t)
	useMailbox(t, s.app, box)
	last := take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)
	if r := s.submit(t, tokens[testapp.CandidateOne], last.Id); !r.Completed {
		t.Fatal("not completed")
	}

	emails := box.await(t, 2, 10*time.Second)
	slices.SortFunc(emails, func(a, b email) int { return strings.Compare(a.Subject, b.Subject) })
	team, confirmation := emails[0], emails[1]
	for _, e := range emails {
		if e.From.Address != "interviews@example.com" || e.From.Name != "Takeone" {
			t.Errorf("%q is from %+v", e.Subject, e.From)
		}
	}

	if confirmation.Subject != "Your interview for Support engineer is complete" ||
		!slices.Equal(confirmation.recipients(), []string{"ada@example.com"}) || confirmation.To[0].Name != "Ada" {
		t.Errorf("confirmation %q to %+v", confirmation.Subject, confirmation.To)
	}
	if !strings.Contains(confirmation.Text, "Hello Ada") || !strings.Contains(confirmation.Text, "we received every answer") ||
		!strings.Contains(confirmation.HTML, "<p>Hello Ada,</p>") {
		t.Errorf("confirmation text %q, html %q", confirmation.Text, confirmation.HTML)
	}

	wantTeam := []string{testapp.Recruiter + "@example.com", testapp.RecruiterOnTeam + "@example.com", testapp.Reviewer + "@example.com"}
	slices.Sort(wantTeam)
	if team.Subject != "Ada completed the interview for Support engineer" || !slices.Equal(team.recipients(), wantTeam) {
		t.Errorf("team notice %q to %v, want the owner and the team %v", team.Subject, team.recipients(), wantTeam)
	}
	link := s.URL + "/interviews/" + testapp.InterviewOne + "/candidates/" + testapp.CandidateOne
	if !strings.Contains(team.Text, link) || !strings.Contains(team.HTML, `<a href="`+link+`">`) {
		t.Errorf("team notice without the link %s: text %q, html %q", link, team.Text, team.HTML)
	}
}

// Without an SMTP server nothing is sent (no fallback to the machine's sendmail), and the interview completes.
func TestCompletionWithoutSMTP(t *testing.T) {
	s := newServer(t)
	if s.app.Settings().SMTP.Enabled {
		t.Fatal("the test config has an SMTP server")
	}
	last := take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)
	if r := s.submit(t, tokens[testapp.CandidateOne], last.Id); !r.Completed {
		t.Fatal("not completed")
	}
	// the emails go out in the background: give them time to show up in the test app's mail recorder
	for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if n := s.app.TestMailer.TotalSend(); n != 0 {
			t.Fatalf("%d emails sent without SMTP: %v", n, s.app.TestMailer.Messages())
		}
	}
}
