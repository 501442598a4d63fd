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
	form := func(name, email, pw, confirm string) string {
		return `{"name":"` + name + `","email":"` + email + `","password":"` + pw + `","passwordConfirm":"` + confirm + `"}`
	}
	good := form("Morgan", "morgan@example.com", "a long passphrase", "a long passphrase")
	for _, c := range []struct {
		name       string
		method     string
		path       func(link string) string
		body       string
		status     int
		see        []string
		notSee     []string
		closeFirst bool // an admin exists before the request
		adminAfter bool
	}{
		{"a valid link opens the form", "GET", link, "", 200, []string{`"valid":true`}, nil, false, false},
		{"a wrong token is refused and says where the link is", "GET", wrong, "", 403, []string{"not valid", "journalctl"}, nil, false, false},
		{"creating with a wrong token is refused", "POST", wrong, good, 403, nil, []string{`"token"`}, false, false},
		{"the admin is created and signed in", "POST", link, good, 200, []string{`"token"`, `"role":"admin"`, `"email":"morgan@example.com"`}, nil, false, true},
		{"passwords that differ", "POST", link, form("Morgan", "morgan@example.com", "a long passphrase", "another passphrase"), 400, []string{"passwordConfirm", "do not match"}, nil, false, false},
		{"a short password", "POST", link, form("Morgan", "morgan@example.com", "short", "short"), 400, []string{`"password"`}, nil, false, false},
		{"a bad email", "POST", link, form("Morgan", "morgan(at)example.com", "a long passphrase", "a long passphrase"), 400, []string{`"email"`}, nil, false, false},
		{"no name", "POST", link, form(" ", "morgan@example.com", "a long passphrase", "a long passphrase"), 400, []string{`"name"`}, nil, false, false},
		{"an email a team member already has", "POST", link, form("Morgan", testapp.Recruiter+"@example.com", "a long passphrase", "a long passphrase"), 400, []string{`"email"`}, nil, false, false},
		{"once an admin exists the link is closed", "GET", link, "", 403, []string{"already has an admin"}, nil, true, false},
		{"once an admin exists nobody else becomes one", "POST", link, good, 403, []string{"already has an admin"}, []string{`"token"`}, true, false},
		{"not JSON", "POST", link, "name=Morgan", 400, []string{"JSON"}, nil, false, false},
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
