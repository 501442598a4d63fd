package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The operator opens the printed link, creates the first admin with the keyboard alone, lands in the team's app,
// signs out, and signs in again. The same link cannot be used twice.
func TestFirstAdminCreatedAndSignsInThroughTheBrowser(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil, "serve", "--http", freeAddr(t))
	link := s.setupLink(t)
	ctx := newBrowser(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("form")),
		typeInto("Name", "Morgan Operator"),
		typeInto("Email", "morgan@example.com"),
		typeInto("Password", "a long passphrase"),
		typeInto("Confirm password", "a long passphrase"+kb.Enter),
		waitForText("No interviews yet."),
	)
	if err != nil {
		t.Fatalf("creating the first admin: %v\n%s", err, s.out)
	}
	if header := textOf(ctx, t, "header"); !strings.Contains(header, "Morgan Operator") || !strings.Contains(header, "Admin") {
		t.Fatalf("header %q does not show the admin's name and role", header)
	}

	// sign out, then sign in with a wrong and then the right password
	err = chromedp.Do(ctx,
		chromedp.Click(button("Sign out")),
		typeInto("Email", "morgan@example.com"),
		typeInto("Password", "wrong passphrase"+kb.Enter),
		waitForTextIn(`[role="alert"]`, "Email or password is wrong."),
	)
	if err != nil {
		t.Fatalf("signing in with a wrong password: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	err = chromedp.Do(ctx,
		chromedp.Reload(),
		typeInto("Email", "morgan@example.com"),
		typeInto("Password", "a long passphrase"+kb.Enter),
		waitForText("No interviews yet."),
	)
	if err != nil {
		t.Fatalf("signing in: %v", err)
	}

	// the link is spent
	if err := chromedp.Do(ctx, chromedp.Navigate(link), waitForText("already has an admin")); err != nil {
		t.Fatalf("reusing the setup link: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	assertNoCSPViolations(ctx, t)
}
