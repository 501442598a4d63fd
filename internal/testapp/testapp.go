// Package testapp builds PocketBase test apps with Takeone's migrations, hooks and a small team to test rules and
// routes against: two interviews, five team members in every role, and candidates, answers and reviews below.
package testapp

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/hooks"
	"github.com/takeone/takeone/internal/config"
	"github.com/takeone/takeone/internal/setup"
	_ "github.com/takeone/takeone/pb_migrations" // the collections under test
)

// Fixture record ids. Interview One is owned by Recruiter and has RecruiterOnTeam and Reviewer on its team; interview
// Two belongs to OtherRecruiter alone.
const (
	Admin           = "useradmin000001"
	Recruiter       = "userrecruiter01"
	RecruiterOnTeam = "userrecruiter02"
	OtherRecruiter  = "userrecruiter03"
	Reviewer        = "userreviewer001"
	OtherReviewer   = "userreviewer002"

	InterviewOne  = "interview000001"
	InterviewTwo  = "interview000002"
	QuestionOne   = "question0000001"
	QuestionTwo   = "question0000002"
	QuestionSpare = "question0000003" // on interview One, without answers
	CandidateOne  = "candidate000001"
	CandidateTwo  = "candidate000002"
	AnswerOne     = "answer000000001"
	AnswerTwo     = "answer000000002"
	ReviewOne     = "review000000001"
	ReviewTwo     = "review000000002"
	LibraryOne    = "library00000001"
)

// Password of every fixture user.
const Password = "correct horse battery"

// Template is a data dir with the migrations applied and the fixtures saved, made once per test binary.
type Template struct {
	Dir    string
	Tokens map[string]string // user id -> auth token
}

// NewTemplate makes the template data dir. Remove Dir when the tests are done.
func NewTemplate() (*Template, error) {
	dir, err := os.MkdirTemp("", "takeone-template-*")
	if err != nil {
		return nil, err
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env"})
	if err := app.Bootstrap(); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	// stopping as the server does lets background work of the hooks (the fixtures' invitation emails, not sent
	// without SMTP) finish before the database closes
	defer app.OnTerminate().Trigger(&core.TerminateEvent{App: app}, func(e *core.TerminateEvent) error {
		return e.App.ResetBootstrapState()
	})
	if err := app.RunAllMigrations(); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	hooks.Register(app, hooks.Deps{Config: Config(), Setup: setup.New(app)})
	tpl := &Template{Dir: dir, Tokens: map[string]string{}}
	if err := tpl.seed(app); err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	return tpl, nil
}

// Config is the configuration the test apps run with: Takeone's defaults.
func Config() *config.Config {
	cfg, err := config.Load(config.Flags{}, nil)
	if err != nil {
		// the defaults always load (the config tests prove it); a test app without them is worthless
		return &config.Config{}
	}
	return cfg
}

// Mux runs the app's OnServe hooks once, as the server does at start, and returns the resulting HTTP handler.
func Mux(t testing.TB, app core.App) http.Handler {
	t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var mux http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		mux, err = e.Router.BuildMux()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mux
}

func (tpl *Template) seed(app core.App) error {
	save := func(collection, id string, fields map[string]any) (*core.Record, error) {
		c, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(c)
		r.Id = id
		for k, v := range fields {
			r.Set(k, v)
		}
		if c.IsAuth() {
			r.SetPassword(Password)
			r.SetVerified(true)
		}
		if err := app.Save(r); err != nil {
			return nil, fmt.Errorf("%s %s: %w", collection, id, err)
		}
		return r, nil
	}
	for id, role := range map[string]string{Admin: "admin", Recruiter: "recruiter", RecruiterOnTeam: "recruiter", OtherRecruiter: "recruiter", Reviewer: "reviewer", OtherReviewer: "reviewer"} {
		u, err := save("users", id, map[string]any{"name": "Test " + role, "email": id + "@example.com", "role": role})
		if err != nil {
			return err
		}
		if tpl.Tokens[id], err = u.NewAuthToken(); err != nil {
			return err
		}
	}
	steps := []struct {
		collection, id string
		fields         map[string]any
	}{
		{"interviews", InterviewOne, map[string]any{"title": "Support engineer", "owner": Recruiter, "team": []string{RecruiterOnTeam, Reviewer}, "status": "open"}},
		{"interviews", InterviewTwo, map[string]any{"title": "Sales lead", "owner": OtherRecruiter, "status": "open"}},
		{"questions", QuestionOne, map[string]any{"interview": InterviewOne, "position": 1, "prompt": "Tell us about yourself", "answer_seconds": 60}},
		{"questions", QuestionSpare, map[string]any{"interview": InterviewOne, "position": 2, "prompt": "Where do you see yourself?", "answer_seconds": 90}},
		{"questions", QuestionTwo, map[string]any{"interview": InterviewTwo, "position": 1, "prompt": "Why sales?", "answer_seconds": 60}},
		{"candidates", CandidateOne, map[string]any{"interview": InterviewOne, "name": "Ada", "email": "ada@example.com", "consent_at": types.NowDateTime()}},
		{"candidates", CandidateTwo, map[string]any{"interview": InterviewTwo, "name": "Grace", "email": "grace@example.com", "consent_at": types.NowDateTime()}},
		{"answers", AnswerOne, map[string]any{"candidate": CandidateOne, "question": QuestionOne, "take": 1, "status": "complete", "submitted": true}},
		{"answers", AnswerTwo, map[string]any{"candidate": CandidateTwo, "question": QuestionTwo, "take": 1, "status": "complete", "submitted": true}},
		{"reviews", ReviewOne, map[string]any{"candidate": CandidateOne, "answer": AnswerOne, "author": Reviewer, "rating": 4, "comment": "Clear"}},
		{"reviews", ReviewTwo, map[string]any{"candidate": CandidateTwo, "answer": AnswerTwo, "author": OtherRecruiter, "rating": 2}},
		{"library_questions", LibraryOne, map[string]any{"prompt": "What motivates you?", "category": "General", "answer_seconds": 90}},
	}
	for _, s := range steps {
		if _, err := save(s.collection, s.id, s.fields); err != nil {
			return err
		}
	}
	return nil
}

// New clones the template into a fresh test app with Takeone's hooks bound.
//
// Example:
//
//	scenario := tests.ApiScenario{TestAppFactory: tpl.New}
func (tpl *Template) New(t testing.TB) *tests.TestApp {
	t.Helper()
	app := tpl.Bare(t)
	hooks.Register(app, hooks.Deps{Config: Config(), Setup: setup.New(app)})
	return app
}

// Bare clones the template into a test app without hooks, for tests that bind them with other dependencies.
func (tpl *Template) Bare(t testing.TB) *tests.TestApp {
	t.Helper()
	app, err := tests.NewTestApp(tpl.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// Auth returns the Authorization header of a fixture user, or none for "" (anonymous).
func (tpl *Template) Auth(user string) map[string]string {
	if user == "" {
		return nil
	}
	return map[string]string{"Authorization": tpl.Tokens[user]}
}

// Main is the TestMain of a package whose tests use the template: it makes the template, runs the tests and
// removes it.
//
// Example:
//
//	var tpl *testapp.Template
//
//	func TestMain(m *testing.M) { testapp.Main(m, &tpl) }
func Main(m *testing.M, tpl **Template) {
	t, err := NewTemplate()
	if err != nil {
		panic("test template: " + err.Error()) // fails every test of the package, loudly
	}
	*tpl = t
	code := m.Run()
	os.RemoveAll(t.Dir)
	os.Exit(code)
}
