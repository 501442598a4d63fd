package setup_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/takeone/takeone/hooks"
	"github.com/takeone/takeone/internal/config"
	"github.com/takeone/takeone/internal/setup"
	"github.com/takeone/takeone/internal/testapp"
)

var tpl *testapp.Template

func TestMain(m *testing.M) { testapp.Main(m, &tpl) }

// freshServer is a test app whose only admin was removed, so the first-admin setup is open, and its setup link.
func freshServer(t testing.TB) (*tests.TestApp, string) {
	t.Helper()
	app, err := tests.NewTestApp(tpl.Dir)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := app.FindRecordById("users", testapp.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(admin); err != nil {
		t.Fatal(err)
	}
	cfg, _ := config.Load(config.Flags{}, nil)
	s := setup.New(app)
	hooks.Register(app, hooks.Deps{Config: cfg, Setup: s})
	link, ok := s.Link("http://127.0.0.1:8090")
	if !ok {
		t.Fatal("setup should be open without an admin")
	}
	return app, strings.TrimPrefix(link, "http://127.0.0.1:8090")
}

func TestFirstAdminSetup(t *testing.T) {
	t.Parallel()
	form := func(name, email, pw, confirm string) string {
		return `{"name":"` + name + `","email":"` + email + `","password":"` + pw + `","passwordConfirm":"` + confirm + `"}`
	}
	good := form("Morgan", "morgan@example.com", "a long passphrase", "a long passphrase")
	// the setup link holds a token made for each app, so a case names its path and the scenario is made with the app
	for _, c := range []struct {
		name       string
		method     string
		path       func(link string) string
		body       string
		status     int
		see        []string
		notSee     []string
		events     map[string]int
		closeFirst bool // an admin exists before the request
		adminAfter bool
	}{
		{name: "a valid link opens the form", method: "GET", path: link,
			status: 200, see: []string{`"valid":true`}, events: testapp.Fired()},
		{name: "a wrong token is refused and says where the link is", method: "GET", path: wrong,
			status: 403, see: []string{"not valid", "journalctl"}, events: testapp.Fired()},
		{name: "creating with a wrong token is refused", method: "POST", path: wrong, body: good,
			status: 403, notSee: []string{`"token"`}, events: testapp.Fired()},
		{name: "the admin is created and signed in", method: "POST", path: link, body: good,
			status: 200, see: []string{`"token"`, `"role":"admin"`, `"email":"morgan@example.com"`},
			events:     testapp.Fired(testapp.RecordCreated, map[string]int{"OnRecordAuthRequest": 1}, testapp.Enriched(1)),
			adminAfter: true},
		{name: "passwords that differ", method: "POST", path: link, body: form("Morgan", "morgan@example.com", "a long passphrase", "another passphrase"),
			status: 400, see: []string{"passwordConfirm", "do not match"}, events: testapp.Fired()},
		{name: "a short password", method: "POST", path: link, body: form("Morgan", "morgan@example.com", "short", "short"),
			status: 400, see: []string{`"password"`}, events: testapp.Fired(testapp.CreateInvalid)},
		{name: "a bad email", method: "POST", path: link, body: form("Morgan", "morgan(at)example.com", "a long passphrase", "a long passphrase"),
			status: 400, see: []string{`"email"`}, events: testapp.Fired(testapp.CreateInvalid)},
		{name: "no name", method: "POST", path: link, body: form(" ", "morgan@example.com", "a long passphrase", "a long passphrase"),
			status: 400, see: []string{`"name"`}, events: testapp.Fired(testapp.CreateInvalid)},
		{name: "an email a team member already has", method: "POST", path: link, body: form("Morgan", testapp.Recruiter+"@example.com", "a long passphrase", "a long passphrase"),
			status: 400, see: []string{`"email"`}, events: testapp.Fired(testapp.CreateFailed)},
		{name: "once an admin exists the link is closed", method: "GET", path: link,
			status: 403, see: []string{"already has an admin"}, events: testapp.Fired(), closeFirst: true},
		{name: "once an admin exists nobody else becomes one", method: "POST", path: link, body: good,
			status: 403, see: []string{"already has an admin"}, notSee: []string{`"token"`}, events: testapp.Fired(), closeFirst: true},
		{name: "not JSON", method: "POST", path: link, body: "name=Morgan",
			status: 400, see: []string{"JSON"}, events: testapp.Fired()},
	} {
		t.Run(c.name, func(t *testing.T) {
			app, setupLink := freshServer(t)
			if c.closeFirst {
				promote(t, app, testapp.Recruiter)
			}
			s := tests.ApiScenario{
				Method:             c.method,
				URL:                c.path(setupLink),
				ExpectedStatus:     c.status,
				ExpectedContent:    c.see,
				NotExpectedContent: c.notSee,
				ExpectedEvents:     c.events,
				TestAppFactory:     func(testing.TB) *tests.TestApp { return app },
				AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
					n, err := app.CountRecords("users", dbx.HashExp{"role": "admin"})
					if err != nil {
						t.Fatal(err)
					}
					if want := c.adminAfter || c.closeFirst; (n > 0) != want {
						t.Fatalf("admins after: %d", n)
					}
				},
			}
			if c.body != "" {
				s.Body = strings.NewReader(c.body)
			}
			s.Test(t)
		})
	}
}

func promote(t *testing.T, app core.App, id string) {
	t.Helper()
	u, err := app.FindRecordById("users", id)
	if err != nil {
		t.Fatal(err)
	}
	u.Set("role", "admin")
	if err := app.Save(u); err != nil {
		t.Fatal(err)
	}
}

func link(l string) string { return "/api/takeone" + l }
func wrong(string) string  { return "/api/takeone/setup/not-the-token" }
