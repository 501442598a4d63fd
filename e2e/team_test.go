package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/takeone/takeone/internal/testtool"
)

// typeIntoID types into the control with this id (for controls whose label repeats on the page, such as each
// question's "Answer time").
func fill(id, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`document.getElementById(`+quoteJS(id)+`).value = ''`),
		chromedp.SendKeys(chromedp.CSS("#"+id), text),
	)
}

// linkNamed selects a link by its visible text.
func linkNamed(text string) chromedp.JSPath {
	return chromedp.JSPath(`[...document.querySelectorAll('a')].filter(a => a.textContent.trim() === ` + quoteJS(text) + `)`)
}

// The team's side end to end: the first admin adds a recruiter, who signs in through the emailed link, sets up an
// interview with two questions and a recorded welcome video, and invites a candidate; the invitation arrives at a
// real SMTP server; the candidate follows the link in that email and completes the interview; the recruiter's page
// shows it without a reload, the team's notice arrives, and the recruiter plays, rates, shortlists with a
// feedback email and exports.
func TestTeamInvitesACandidateWhoCompletes(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t)
	media := testMedia(t)
	s := startServer(t, []string{
		"TAKEONE_SMTP_HOST=127.0.0.1", fmt.Sprintf("TAKEONE_SMTP_PORT=%d", box.SMTPPort),
		"TAKEONE_SMTP_SENDER=Hiring Team <jobs@example.com>",
	}, "serve", "--http", freeAddr(t))
	team := newBrowserWith(t, browserOptions{media: media, lifetime: 4 * time.Minute})

	err := chromedp.Do(team,
		signUpFirstAdmin(t, s),
		chromedp.Click(linkNamed("Team")),
		typeInto("Name", "Riley Recruiter"),
		typeInto("Email", "riley@example.com"),
		click("Add team member"),
		waitForTextIn(`[role="status"]`, "Riley Recruiter was added and invited by email."),
		click("Sign out"),
	)
	if err != nil {
		t.Fatalf("adding the recruiter: %v (page: %s)", err, textOf(team, t, "main"))
	}
	welcome := regexp.MustCompile(`https?://\S+/welcome/\S+`).FindString(box.Await(t, 1, 20*time.Second)[0].Text)
	err = chromedp.Do(team,
		chromedp.Navigate(welcome),
		typeInto("Password", "riley's own passphrase"),
		typeInto("Confirm password", "riley's own passphrase"+kb.Enter),
		waitForTextIn("header", "Riley Recruiter"),
		waitForText("New interview"),
		// an empty title is refused next to the field
		click("Create interview"),
		waitForText("Enter your title."),
		typeInto("Title", "Support engineer"),
		click("Create interview"),
		waitForText("Details"),
		waitForText("No questions yet."),
	)
	if err != nil {
		t.Fatalf("creating the interview: %v (page: %s)", err, textOf(team, t, "main"))
	}
	err = chromedp.Do(team,
		fill("d-welcome", "Thanks for applying to our support team."),
		fill("d-closing", "We will get back to you within a week."),
		chromedp.SetValue(chromedp.CSS("#d-status"), "open"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('d-status').dispatchEvent(new Event('change'))`),
		click("Save"),
		waitForTextIn(`[role="status"]`, "Saved."),
		// a limit below 10 seconds is refused with a message
		fill("new-prompt", "Tell us about yourself."),
		fill("new-answer_seconds", "5"),
		click("Add question"),
		waitForText("Give at least 10 seconds to answer."),
		fill("new-answer_seconds", "10"),
		fill("new-think_seconds", "0"),
		fill("new-retakes", "0"),
		click("Add question"),
		waitForText("Question 1"),
		fill("new-prompt", "Why support?"),
		fill("new-answer_seconds", "10"),
		fill("new-think_seconds", "0"),
		fill("new-retakes", "0"),
		click("Add question"),
		waitForText("Question 2"),
		// the welcome video, recorded with the camera through the server's recorder
		click("Record with the camera"),
		click("Start recording"),
		waitForText("Recording…"),
		chromedp.Sleep(2500*time.Millisecond),
		click("Stop and keep"),
		waitForTextIn(`[role="status"]`, "Video saved."),
		videoPlays("Welcome video", 2*time.Second),
		typeInto("Name", "Ada Lovelace"),
		typeInto("Email", "ada@example.com"),
		click("Invite"),
		waitForText("Invitation sent"),
	)
	if err != nil {
		t.Fatalf("setting up and inviting: %v (page: %s)", err, textOf(team, t, "main"))
	}

	invitation := box.Await(t, 2, 20*time.Second)[0] // the newest: the team member's welcome came first
	if invitation.Subject != "Your video interview for Support engineer" || invitation.Recipients()[0] != "ada@example.com" {
		t.Fatalf("invitation %q to %v", invitation.Subject, invitation.Recipients())
	}
	link := regexp.MustCompile(`https?://\S+/i/[A-Za-z0-9_-]{43}`).FindString(invitation.Text)
	if link == "" {
		t.Fatalf("no link in the invitation:\n%s", invitation.Text)
	}

	candidate := newBrowserWith(t, browserOptions{media: media, lifetime: 3 * time.Minute})
	err = chromedp.Do(candidate,
		chromedp.Navigate(link),
		waitForText("Thanks for applying to our support team."),
		waitForText("2 questions"),
		videoPlays("Welcome video from the team", 2*time.Second),
		consentAndCheck(false),
		click("Start the interview"),
	)
	if err != nil {
		t.Fatalf("the candidate's start: %v (page: %s)", err, textOf(candidate, t, "main"))
	}
	for i, prompt := range []string{"Tell us about yourself.", "Why support?"} {
		err = chromedp.Do(candidate,
			waitForText(fmt.Sprintf("Question %d of 2", i+1)),
			waitForText(prompt),
			click("Start recording"),
			waitForText("Stop recording"),
			chromedp.Sleep(2*time.Second),
			click("Stop recording"),
			waitForText("Your take 1"),
			click("Submit this answer"),
		)
		if err != nil {
			t.Fatalf("question %d: %v (page: %s)", i+1, err, textOf(candidate, t, "main"))
		}
	}
	if err := chromedp.Do(candidate, waitForText("We will get back to you within a week.")); err != nil {
		t.Fatalf("end screen: %v (page: %s)", err, textOf(candidate, t, "main"))
	}

	// the team's page updates by itself
	if err := chromedp.Do(team, waitLong("Completed", 20*time.Second)); err != nil {
		t.Fatalf("the team's page did not show the completion: %v (page: %s)", err, textOf(team, t, "main"))
	}
	// review: play and seek an answer, next answer by keyboard, rate, comment, move to shortlisted
	err = chromedp.Do(team,
		chromedp.Click(linkNamed("Ada Lovelace")),
		waitForText("Answers of Ada Lovelace"),
		waitForText("Answer 1 of 2"),
		waitForText("Tell us about yourself."),
		videoPlays("Answer 1 of 2", 1500*time.Millisecond),
		chromedp.Poll[chromedp.Void](`(() => { const v = document.querySelector('video'); if (!v.dataset.sought) { v.currentTime = 1.0; v.dataset.sought = '1'; }
			return !v.seeking && Math.abs(v.currentTime - 1.0) < 0.1 && v.readyState >= 2; })()`, chromedp.WithPollingTimeout(10*time.Second)),
		// the download link asks for a file to save
		chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			ok, err := chromedp.Evaluate[bool](`(async () => { const a = [...document.querySelectorAll('a')].find(a => a.textContent.trim() === 'Download the video');
				const res = await fetch(a.href); return res.ok && /^attachment/.test(res.headers.get('Content-Disposition')) && res.headers.get('Content-Type') === 'video/webm'; })()`,
				chromedp.EvalAwaitPromise)(ctx, tgt)
			if err == nil && !ok {
				err = errors.New("the download link does not give a video file to save")
			}
			return err
		}),
		click("1.5×"),
		chromedp.Poll[chromedp.Void](`document.querySelector('video').playbackRate === 1.5`, chromedp.WithPollingTimeout(5*time.Second)),
		waitForText("Other ratings are shown once you have rated this answer."),
		click("Save rating"),
		waitForTextIn(`[role="alert"]`, "Choose a rating from 1 to 5."),
		chromedp.Click(byLabel("4 of 5")),
		typeInto("Comment", "Clear and friendly."),
		click("Save rating"),
		waitForTextIn(`[role="status"]`, "Rating saved."),
		waitForText("Nobody else has rated this answer yet."),
		// N is a shortcut outside text fields only: leave the comment first, as a keyboard user would
		chromedp.Focus(chromedp.CSS("#answer-heading")),
		chromedp.KeyEvent("n"),
		waitForText("Answer 2 of 2"),
		waitForText("Why support?"),
		chromedp.SetValue(chromedp.CSS("#stage"), "shortlisted"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('stage').dispatchEvent(new Event('change'))`),
		chromedp.Click(byLabel("Email the candidate about it")),
		chromedp.Poll[chromedp.Void](`(document.getElementById('stage-subject')?.value ?? '').includes('Support engineer')`, chromedp.WithPollingTimeout(10*time.Second)),
		click("Change stage"),
		waitForTextIn(`[role="status"]`, "Moved to Shortlisted. The email was sent."),
	)
	if err != nil {
		t.Fatalf("reviewing: %v (page: %s)", err, textOf(team, t, "main"))
	}

	emails := box.Await(t, 5, 20*time.Second) // welcome, invitation, confirmation, team notice, feedback
	var notice, feedback bool
	for _, e := range emails {
		if e.Subject == "Ada Lovelace completed the interview for Support engineer" && strings.Join(e.Recipients(), ",") == "riley@example.com" {
			notice = true
		}
		if e.Subject == "Your video interview for Support engineer: next steps" && strings.Join(e.Recipients(), ",") == "ada@example.com" {
			feedback = true
		}
	}
	if !notice || !feedback {
		t.Errorf("team notice %v, feedback %v among %d emails", notice, feedback, len(emails))
	}

	// the CSV export has Ada with her rating
	csv, err := chromedp.Run(team, chromedp.Evaluate[string](`(async () => {
		const auth = JSON.parse(localStorage.getItem('pocketbase_auth') || '{}').token;
		const id = location.pathname.split('/')[2];
		const res = await fetch('/api/takeone/interviews/' + id + '/export.csv', {headers: {Authorization: auth}});
		return res.status + ' ' + await res.text(); })()`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(csv, "200 ") || !strings.Contains(csv, "Ada Lovelace") || !strings.Contains(csv, "4.00") {
		t.Errorf("CSV export: %v %q", err, csv)
	}
	assertNoCSPViolations(team, t)
}

// An admin adds a reviewer; the reviewer chooses a password through the emailed link and is signed in with their
// role; the admin changes the role.
func TestAdminAddsATeamMember(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t)
	s := startServer(t, []string{
		"TAKEONE_SMTP_HOST=127.0.0.1", fmt.Sprintf("TAKEONE_SMTP_PORT=%d", box.SMTPPort),
		"TAKEONE_SMTP_SENDER=Hiring Team <jobs@example.com>",
	}, "serve", "--http", freeAddr(t))
	admin := newBrowser(t)
	err := chromedp.Do(admin,
		signUpFirstAdmin(t, s),
		chromedp.Click(linkNamed("Team")),
		waitForText("Add team member"),
		typeInto("Name", "Riley Reviewer"),
		typeInto("Email", "not-an-email"),
		click("Add team member"),
		waitForText("Enter an email address like name@example.com."),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('m-email').value = ''`),
		typeInto("Email", "riley@example.com"),
		chromedp.SetValue(chromedp.CSS("#m-role"), "reviewer"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('m-role').dispatchEvent(new Event('change'))`),
		click("Add team member"),
		waitForTextIn(`[role="status"]`, "Riley Reviewer was added and invited by email."),
	)
	if err != nil {
		t.Fatalf("adding a member: %v (page: %s)", err, textOf(admin, t, "main"))
	}
	e := box.Await(t, 1, 20*time.Second)[0]
	welcome := regexp.MustCompile(`https?://\S+/welcome/\S+`).FindString(e.Text)
	if welcome == "" {
		t.Fatalf("no link in the invitation:\n%s", e.Text)
	}

	member := newBrowser(t)
	err = chromedp.Do(member,
		chromedp.Navigate(welcome),
		waitForText("Choose your password"),
		typeInto("Password", "short"),
		typeInto("Confirm password", "short"+kb.Enter),
		waitForText("Use at least 10 characters."),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[type=password]').forEach(i => i.value = '')`),
		typeInto("Password", "riley's own passphrase"),
		typeInto("Confirm password", "riley's own passphrase"+kb.Enter),
		waitForText("Interviews"),
		waitForTextIn("header", "Riley Reviewer"),
		waitForTextIn("header", "Reviewer"),
	)
	if err != nil {
		t.Fatalf("the member's first sign-in: %v (page: %s)", err, textOf(member, t, "body"))
	}
	if strings.Contains(textOf(member, t, "main"), "New interview") {
		t.Error("a reviewer is offered to create interviews")
	}

	err = chromedp.Do(admin,
		chromedp.SetValue(chromedp.CSS(`select[aria-label="Role of Riley Reviewer"]`), "recruiter"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[aria-label="Role of Riley Reviewer"]').dispatchEvent(new Event('change'))`),
		waitForTextIn(`[role="status"]`, "Riley Reviewer is now Recruiter."),
	)
	if err != nil {
		t.Fatalf("changing the role: %v (page: %s)", err, textOf(admin, t, "main"))
	}
}

// signUpFirstAdmin creates the first admin through the setup link, as the operator does after the first start.
func signUpFirstAdmin(t *testing.T, s *server) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(s.setupLink(t)),
		chromedp.WaitVisible(chromedp.CSS("form")),
		typeInto("Name", "Morgan Admin"),
		typeInto("Email", "morgan@example.com"),
		typeInto("Password", "a long passphrase"),
		typeInto("Confirm password", "a long passphrase"+kb.Enter),
		waitForText("New interview"),
	)
}

// A CSV import with a bad row reports it and imports nothing; fixed, it imports all. One click gives a candidate
// seven more days; a withdrawn invitation's link stops working, and a restored one works again.
func TestTeamImportsAndManagesInvitations(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil, "serve", "--http", freeAddr(t))
	team := newBrowser(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(bad, []byte("name,email\nAlan Turing,alan@example.com\nNo Email,\n"), 0o600)
	os.WriteFile(good, []byte("name,email\nAlan Turing,alan@example.com\nGrace Hopper,grace@example.com\n"), 0o600)
	err := chromedp.Do(team,
		signUpFirstAdmin(t, s),
		typeInto("Title", "Sales lead"),
		click("Create interview"),
		waitForText("Details"),
		chromedp.SetValue(chromedp.CSS("#d-status"), "open"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('d-status').dispatchEvent(new Event('change'))`),
		click("Save"),
		waitForTextIn(`[role="status"]`, "Saved."),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}),
		click("Import"),
		waitForText("1 of 2 rows cannot be imported, so nothing was imported."),
		waitForText("Line 3: the email is missing"),
		waitForText("No candidates yet."),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}),
		click("Import"),
		waitForTextIn(`[role="status"]`, "2 candidates imported and invited."),
		waitForText("Grace Hopper"),
		// no mail server here: each invitation says why it was not sent
		waitForText("No mail server is set up"),
		click("Give Grace Hopper 7 more days"),
		waitForTextIn(`[role="status"]`, "Grace Hopper now has until"),
		click("Withdraw Alan Turing’s invitation"),
		waitForTextIn(`[role="status"]`, "Alan Turing’s invitation was withdrawn"),
		waitForText("Withdrawn"),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(team, t, "main"))
	}
	var link string
	if _, err := chromedp.Run(team, chromedp.Evaluate[chromedp.Void](`window.copied = ''; navigator.clipboard.writeText = async (s) => { window.copied = s; }`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(team, click("Copy Alan Turing’s link"), waitForTextIn(`[role="status"]`, "Link copied.")); err != nil {
		t.Fatal(err)
	}
	link, err = chromedp.Run(team, chromedp.Evaluate[string](`window.copied`))
	if err != nil || !strings.Contains(link, "/i/") {
		t.Fatalf("copied link %q: %v", link, err)
	}
	candidate := newBrowser(t)
	if err := chromedp.Do(candidate, chromedp.Navigate(link), waitForText("This invitation was withdrawn")); err != nil {
		t.Fatalf("withdrawn link: %v (page: %s)", err, textOf(candidate, t, "main"))
	}
	if err := chromedp.Do(team, click("Restore Alan Turing’s invitation"), waitForTextIn(`[role="status"]`, "works again")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(candidate, chromedp.Reload(), waitForText("What to expect")); err != nil {
		t.Fatalf("restored link: %v (page: %s)", err, textOf(candidate, t, "main"))
	}
}

// A question saved to the library is offered in every interview; a duplicated interview has the same questions;
// the logo must be an image and then shows on the candidate page.
func TestTeamLibraryDuplicateAndLogo(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil, "serve", "--http", freeAddr(t))
	team := newBrowser(t)
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo.png")
	notImage := filepath.Join(dir, "notes.txt")
	// a 1x1 PNG
	os.WriteFile(logo, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"), 0o600)
	os.WriteFile(notImage, []byte("hello"), 0o600)
	err := chromedp.Do(team,
		signUpFirstAdmin(t, s),
		typeInto("Title", "Sales lead"),
		click("Create interview"),
		waitForText("The library is empty."),
		fill("new-prompt", "Why sales?"),
		fill("new-answer_seconds", "60"),
		click("Add question"),
		waitForText("Question 1"),
		click("Save question 1 to the library"),
		waitForTextIn(`[role="status"]`, "Saved to the library."),
		// a file that is not a video is refused as the welcome video
		chromedp.SetUploadFiles(chromedp.CSS(`input[id^="welcome_video-"][type=file]`), []string{notImage}),
		click("Upload"),
		waitForTextIn(`[role="alert"]`, "This file is not a video."),
		chromedp.SetUploadFiles(chromedp.CSS("#d-logo"), []string{notImage}),
		click("Upload logo"),
		waitForTextIn(`[role="alert"]`, "This file is not an image."),
		chromedp.SetUploadFiles(chromedp.CSS("#d-logo"), []string{logo}),
		click("Upload logo"),
		waitForTextIn(`[role="status"]`, "Logo saved."),
		// the preview follows the form as it is typed, before saving
		fill("d-welcome", "Welcome to the sales team!"),
		fill("d-brand", "#7a1fa2"),
		chromedp.Poll[chromedp.Void](`(() => { const p = document.querySelector('[aria-labelledby="preview-heading"]');
			return p.innerText.includes('Welcome to the sales team!') && getComputedStyle(p.querySelector('.bar')).backgroundColor === 'rgb(122, 31, 162)'; })()`,
			chromedp.WithPollingTimeout(5*time.Second)),
		click("Duplicate interview"),
		waitForText("Sales lead (copy)"),
		waitForText("Question 1"),
		chromedp.SetValue(chromedp.CSS("#library-pick"), ""),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('library-pick'); s.value = s.options[1].value; s.dispatchEvent(new Event('change')); })()`),
		click("Add this question"),
		waitForText("Question 2"),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(team, t, "main"))
	}
	prompts, err := chromedp.Run(team, chromedp.Evaluate[[]string](`[...document.querySelectorAll('textarea[id^="q-prompt-"]')].map(t => t.value)`))
	if err != nil || len(prompts) != 2 || prompts[0] != "Why sales?" || prompts[1] != "Why sales?" {
		t.Errorf("the copy's questions: %v %v", prompts, err)
	}
}

// A team member signs in with a code emailed to them instead of the password; with multi-factor authentication
// turned on by the operator, the password is followed by an emailed code.
func TestSignInWithAnEmailedCodeAndMFA(t *testing.T) {
	t.Parallel()
	box := testtool.StartMailbox(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	if out, err := exec.Command(binary, "superuser", "upsert", "ops@example.com", "operator passphrase", "--dir", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v %s", err, out)
	}
	s := startServer(t, []string{
		"TAKEONE_SMTP_HOST=127.0.0.1", fmt.Sprintf("TAKEONE_SMTP_PORT=%d", box.SMTPPort),
		"TAKEONE_SMTP_SENDER=Hiring Team <jobs@example.com>",
	}, "serve", "--http", freeAddr(t), "--dir", dataDir)
	ctx := newBrowser(t)
	codeFrom := func(n int) string {
		t.Helper()
		emails := box.Await(t, n, 20*time.Second)
		last := emails[0] // mailpit lists the newest first
		m := regexp.MustCompile(`<strong>(\w+)</strong>`).FindStringSubmatch(last.HTML)
		if last.Subject != "Your sign-in code for Takeone" || m == nil {
			t.Fatalf("newest email %q has no code:\n%s", last.Subject, last.HTML)
		}
		return m[1]
	}

	err := chromedp.Do(ctx,
		signUpFirstAdmin(t, s),
		click("Sign out"),
		typeInto("Email", "morgan@example.com"),
		click("Email me a sign-in code instead"),
		waitForText("We emailed a code to morgan@example.com."),
	)
	if err != nil {
		t.Fatalf("asking for a code: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	err = chromedp.Do(ctx,
		typeInto("Sign-in code", "wrong"),
		click("Sign in with the code"),
		waitForTextIn(`[role="alert"]`, "The code is wrong or has expired."),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('signin-code').value = ''`),
		typeInto("Sign-in code", codeFrom(1)),
		click("Sign in with the code"),
		waitForText("New interview"),
	)
	if err != nil {
		t.Fatalf("signing in with the code: %v (page: %s)", err, textOf(ctx, t, "main"))
	}

	// the operator turns on MFA for the team
	api := &rest{t: t, base: s.URL}
	var auth struct{ Token string }
	api.call("POST", "/api/collections/_superusers/auth-with-password", map[string]string{"identity": "ops@example.com", "password": "operator passphrase"}, &auth)
	api.token = auth.Token
	api.call("PATCH", "/api/collections/users", map[string]any{"mfa": map[string]any{"enabled": true}}, &struct{}{})

	err = chromedp.Do(ctx,
		click("Sign out"),
		typeInto("Email", "morgan@example.com"),
		typeInto("Password", "a long passphrase"+kb.Enter),
		waitForText("One more step: we emailed a code to morgan@example.com."),
	)
	if err != nil {
		t.Fatalf("the password step with MFA: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	err = chromedp.Do(ctx,
		// a person takes a while to read the email; the sign-in limiter allows two attempts per 3 s
		chromedp.Sleep(3*time.Second),
		typeInto("Sign-in code", codeFrom(2)), // the code the password step asked for
		click("Sign in with the code"),
		waitForText("New interview"),
	)
	if err != nil {
		// what the server refused, and why (its request log keeps the detail the page is not told)
		var logs struct{ Items []map[string]any }
		api.call("GET", "/api/logs?perPage=10&sort=-created&filter="+urlQuery("data.status>=400"), nil, &logs)
		t.Fatalf("signing in with MFA: %v (page: %s)\nrefused requests: %v", err, textOf(ctx, t, "main"), logs.Items)
	}
}

// "Preview as candidate" walks the real candidate page, recording included, and stores nothing.
func TestPreviewAsCandidateStoresNothing(t *testing.T) {
	t.Parallel()
	media := testMedia(t)
	s := startServer(t, nil, "serve", "--http", freeAddr(t))
	ctx := newBrowserWith(t, browserOptions{media: media, lifetime: 3 * time.Minute})
	err := chromedp.Do(ctx,
		signUpFirstAdmin(t, s),
		typeInto("Title", "Support engineer"),
		click("Create interview"),
		waitForText("Details"),
		fill("d-welcome", "Welcome, and thank you for your time."),
		click("Save"),
		waitForTextIn(`[role="status"]`, "Saved."),
		fill("new-prompt", "Tell us about yourself."),
		fill("new-answer_seconds", "10"),
		fill("new-think_seconds", "0"),
		fill("new-retakes", "0"),
		click("Add question"),
		waitForText("Question 1"),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
	interviewPage, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(interviewPage+"/preview"),
		waitForText("Preview: this is what candidates see."),
		waitForText("Welcome, and thank you for your time."),
		consentAndCheck(false),
		click("Start the interview"),
		waitForText("Question 1 of 1"),
		click("Start recording"),
		waitForText("Stop recording"),
		chromedp.Sleep(2*time.Second),
		click("Stop recording"),
		waitForText("Your take 1"),
		videoPlays("Your answer", 1500*time.Millisecond),
		click("Submit this answer"),
		waitForText("Thank you!"),
		chromedp.Navigate(interviewPage),
		waitForText("No candidates yet."),
	)
	if err != nil {
		t.Fatalf("previewing: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	if leftovers, _ := filepath.Glob(filepath.Join(s.Dir, "pb_data", "recordings", "practice-*")); len(leftovers) > 0 {
		t.Errorf("the completed preview left recordings: %v", leftovers)
	}
}
