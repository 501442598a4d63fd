package session_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testtool"
)

// Completing the interview emails the candidate a confirmation and the interview's owner and team a notice with
// the link to the answers.
func TestCompletionEmails(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t)
	s := newServer(t)
	box.Use(t, s.app)
	last := take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)
	if r := s.submit(t, tokens[testapp.CandidateOne], last.Id); !r.Completed {
		t.Fatal("not completed")
	}

	emails := box.Await(t, 2, 10*time.Second)
	slices.SortFunc(emails, func(a, b testtool.Email) int { return strings.Compare(a.Subject, b.Subject) })
	team, confirmation := emails[0], emails[1]
	for _, e := range emails {
		if e.From.Address != "interviews@example.com" || e.From.Name != "Takeone" {
			t.Errorf("%q is from %+v", e.Subject, e.From)
		}
	}

	if confirmation.Subject != "Your interview for Support engineer is complete" ||
		!slices.Equal(confirmation.Recipients(), []string{"ada@example.com"}) || confirmation.To[0].Name != "Ada" {
		t.Errorf("confirmation %q to %+v", confirmation.Subject, confirmation.To)
	}
	if !strings.Contains(confirmation.Text, "Hello Ada") || !strings.Contains(confirmation.Text, "we received every answer") ||
		!strings.Contains(confirmation.HTML, "<p>Hello Ada,</p>") {
		t.Errorf("confirmation text %q, html %q", confirmation.Text, confirmation.HTML)
	}

	wantTeam := []string{testapp.Recruiter + "@example.com", testapp.RecruiterOnTeam + "@example.com", testapp.Reviewer + "@example.com"}
	slices.Sort(wantTeam)
	if team.Subject != "Ada completed the interview for Support engineer" || !slices.Equal(team.Recipients(), wantTeam) {
		t.Errorf("team notice %q to %v, want the owner and the team %v", team.Subject, team.Recipients(), wantTeam)
	}
	link := s.URL + "/interviews/" + testapp.InterviewOne + "/candidates/" + testapp.CandidateOne
	if !strings.Contains(team.Text, link) || !strings.Contains(team.HTML, `<a href="`+link+`">`) {
		t.Errorf("team notice without the link %s: text %q, html %q", link, team.Text, team.HTML)
	}
}

// Without an SMTP server nothing is sent (no fallback to the machine's sendmail), and the interview completes.
func TestCompletionWithoutSMTP(t *testing.T) {
	t.Parallel()
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
