package pb_migrations_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	. "github.com/takeone/takeone/internal/testapp"
)

var tpl *Template

func TestMain(m *testing.M) { Main(m, &tpl) }

// rc is one request of a rule table: who does what, and what they must (not) see.
type rc struct {
	name   string
	as     string // fixture user id; "" is anonymous
	method string
	url    string
	body   string
	status int
	see    []string
	notSee []string
	after  func(t testing.TB, app *tests.TestApp, res *http.Response)
}

func run(t *testing.T, cases []rc) {
	t.Helper()
	for _, c := range cases {
		body := c.body
		s := tests.ApiScenario{
			Name:               c.name,
			Method:             c.method,
			URL:                c.url,
			Headers:            tpl.Auth(c.as),
			ExpectedStatus:     c.status,
			ExpectedContent:    c.see,
			NotExpectedContent: c.notSee,
			TestAppFactory:     tpl.New,
			AfterTestFunc:      c.after,
		}
		if body != "" {
			s.Body = strings.NewReader(body)
		}
		if len(s.ExpectedContent) == 0 && len(s.NotExpectedContent) == 0 && c.status != http.StatusNoContent {
			s.ExpectedContent = []string{`"`} // some JSON came back
		}
		s.Test(t)
	}
}

const list = http.MethodGet

func TestInterviewRules(t *testing.T) {
	url := "/api/collections/interviews/records"
	one := url + "/" + InterviewOne
	run(t, []rc{
		{"admin lists all", Admin, list, url, "", 200, []string{InterviewOne, InterviewTwo}, nil, nil},
		{"owner lists own", Recruiter, list, url, "", 200, []string{InterviewOne}, []string{InterviewTwo}, nil},
		{"team recruiter lists team's", RecruiterOnTeam, list, url, "", 200, []string{InterviewOne}, []string{InterviewTwo}, nil},
		{"other recruiter lists only own", OtherRecruiter, list, url, "", 200, []string{InterviewTwo}, []string{InterviewOne}, nil},
		{"team reviewer lists team's", Reviewer, list, url, "", 200, []string{InterviewOne}, []string{InterviewTwo}, nil},
		{"other reviewer lists nothing", OtherReviewer, list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"anonymous lists nothing", "", list, url, "", 200, []string{`"totalItems":0`}, nil, nil},

		{"team reviewer views", Reviewer, list, one, "", 200, []string{InterviewOne}, nil, nil},
		{"other recruiter cannot view", OtherRecruiter, list, one, "", 404, nil, nil, nil},
		{"other reviewer cannot view", OtherReviewer, list, one, "", 404, nil, nil, nil},
		{"anonymous cannot view", "", list, one, "", 404, nil, nil, nil},

		{"admin creates for anyone", Admin, "POST", url, `{"title":"Designer","owner":"` + Recruiter + `"}`, 200, []string{`"status":"draft"`}, nil, nil},
		{"recruiter creates own", Recruiter, "POST", url, `{"title":"Designer","owner":"` + Recruiter + `"}`, 200, []string{`"title":"Designer"`}, nil, nil},
		{"recruiter cannot create in another's name", Recruiter, "POST", url, `{"title":"Designer","owner":"` + OtherRecruiter + `"}`, 400, nil, nil, nil},
		{"reviewer cannot create", Reviewer, "POST", url, `{"title":"Designer","owner":"` + Reviewer + `"}`, 400, nil, nil, nil},
		{"anonymous cannot create", "", "POST", url, `{"title":"Designer","owner":"` + Recruiter + `"}`, 400, nil, nil, nil},
		{"empty title refused", Recruiter, "POST", url, `{"title":"","owner":"` + Recruiter + `"}`, 400, []string{`"title"`, "validation_required"}, nil, nil},

		{"owner updates", Recruiter, "PATCH", one, `{"title":"Support lead"}`, 200, []string{"Support lead"}, nil, nil},
		{"team recruiter updates", RecruiterOnTeam, "PATCH", one, `{"status":"closed"}`, 200, []string{`"status":"closed"`}, nil, nil},
		{"team recruiter cannot take ownership", RecruiterOnTeam, "PATCH", one, `{"owner":"` + RecruiterOnTeam + `"}`, 404, nil, nil, nil},
		{"owner hands over", Recruiter, "PATCH", one, `{"owner":"` + RecruiterOnTeam + `"}`, 200, []string{RecruiterOnTeam}, nil, nil},
		{"team reviewer cannot update", Reviewer, "PATCH", one, `{"title":"x"}`, 404, nil, nil, nil},
		{"other recruiter cannot update", OtherRecruiter, "PATCH", one, `{"title":"x"}`, 404, nil, nil, nil},
		{"anonymous cannot update", "", "PATCH", one, `{"title":"x"}`, 404, nil, nil, nil},

		{"team recruiter cannot delete", RecruiterOnTeam, "DELETE", one, "", 404, nil, nil, nil},
		{"reviewer cannot delete", Reviewer, "DELETE", one, "", 404, nil, nil, nil},
		{"other recruiter cannot delete", OtherRecruiter, "DELETE", one, "", 404, nil, nil, nil},
		{"anonymous cannot delete", "", "DELETE", one, "", 404, nil, nil, nil},
		{"owner deletes", Recruiter, "DELETE", one, "", 204, nil, nil, nil},
		{"admin deletes", Admin, "DELETE", one, "", 204, nil, nil, nil},
	})
}

func TestQuestionRules(t *testing.T) {
	url := "/api/collections/questions/records"
	one := url + "/" + QuestionOne
	create := func(interview string) string {
		return `{"interview":"` + interview + `","prompt":"Why us?","answer_seconds":90,"think_seconds":30,"retakes":1}`
	}
	run(t, []rc{
		{"admin lists all", Admin, list, url, "", 200, []string{QuestionOne, QuestionTwo}, nil, nil},
		{"team reviewer lists team's", Reviewer, list, url, "", 200, []string{QuestionOne}, []string{QuestionTwo}, nil},
		{"other recruiter lists own", OtherRecruiter, list, url, "", 200, []string{QuestionTwo}, []string{QuestionOne}, nil},
		{"other reviewer lists nothing", OtherReviewer, list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"anonymous lists nothing", "", list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"other recruiter cannot view", OtherRecruiter, list, one, "", 404, nil, nil, nil},
		{"team reviewer views", Reviewer, list, one, "", 200, []string{"Tell us about yourself"}, nil, nil},

		{"owner adds", Recruiter, "POST", url, create(InterviewOne), 200, []string{"Why us?"}, nil, nil},
		{"team recruiter adds", RecruiterOnTeam, "POST", url, create(InterviewOne), 200, []string{"Why us?"}, nil, nil},
		{"admin adds", Admin, "POST", url, create(InterviewTwo), 200, []string{"Why us?"}, nil, nil},
		{"recruiter cannot add to another's interview", Recruiter, "POST", url, create(InterviewTwo), 400, nil, nil, nil},
		{"reviewer cannot add", Reviewer, "POST", url, create(InterviewOne), 400, nil, nil, nil},
		{"anonymous cannot add", "", "POST", url, create(InterviewOne), 400, nil, nil, nil},
		{"zero answer time refused", Recruiter, "POST", url, `{"interview":"` + InterviewOne + `","prompt":"x","answer_seconds":0}`, 400, []string{`"answer_seconds"`}, nil, nil},
		{"negative retakes refused", Recruiter, "POST", url, `{"interview":"` + InterviewOne + `","prompt":"x","answer_seconds":60,"retakes":-1}`, 400, []string{`"retakes"`}, nil, nil},

		{"team recruiter edits", RecruiterOnTeam, "PATCH", one, `{"prompt":"Introduce yourself"}`, 200, []string{"Introduce yourself"}, nil, nil},
		{"owner cannot move it to another interview", Recruiter, "PATCH", one, `{"interview":"` + InterviewTwo + `"}`, 404, nil, nil, nil},
		{"reviewer cannot edit", Reviewer, "PATCH", one, `{"prompt":"x"}`, 404, nil, nil, nil},
		{"other recruiter cannot edit", OtherRecruiter, "PATCH", one, `{"prompt":"x"}`, 404, nil, nil, nil},
		{"anonymous cannot edit", "", "PATCH", one, `{"prompt":"x"}`, 404, nil, nil, nil},
		{"reviewer cannot delete", Reviewer, "DELETE", one, "", 404, nil, nil, nil},
		{"other recruiter cannot delete", OtherRecruiter, "DELETE", one, "", 404, nil, nil, nil},
		{"anonymous cannot delete", "", "DELETE", one, "", 404, nil, nil, nil},
		{"a question with answers is kept", Recruiter, "DELETE", one, "", 400, []string{"required relation"}, nil, nil},
		{"team recruiter deletes", RecruiterOnTeam, "DELETE", url + "/" + QuestionSpare, "", 204, nil, nil, nil},
	})
}

func TestLibraryQuestionRules(t *testing.T) {
	url := "/api/collections/library_questions/records"
	one := url + "/" + LibraryOne
	body := `{"prompt":"Describe a conflict you solved","category":"Teamwork","answer_seconds":120}`
	run(t, []rc{
		{"reviewer reads the library", OtherReviewer, list, url, "", 200, []string{LibraryOne}, nil, nil},
		{"anonymous cannot read it", "", list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"anonymous cannot view", "", list, one, "", 404, nil, nil, nil},
		{"recruiter adds", Recruiter, "POST", url, body, 200, []string{"Teamwork"}, nil, nil},
		{"admin adds", Admin, "POST", url, body, 200, []string{"Teamwork"}, nil, nil},
		{"reviewer cannot add", Reviewer, "POST", url, body, 400, nil, nil, nil},
		{"anonymous cannot add", "", "POST", url, body, 400, nil, nil, nil},
		{"recruiter edits", OtherRecruiter, "PATCH", one, `{"category":"Motivation"}`, 200, []string{"Motivation"}, nil, nil},
		{"reviewer cannot edit", Reviewer, "PATCH", one, `{"category":"x"}`, 404, nil, nil, nil},
		{"reviewer cannot delete", Reviewer, "DELETE", one, "", 404, nil, nil, nil},
		{"anonymous cannot delete", "", "DELETE", one, "", 404, nil, nil, nil},
		{"recruiter deletes", Recruiter, "DELETE", one, "", 204, nil, nil, nil},
	})
}

func TestCandidateRules(t *testing.T) {
	url := "/api/collections/candidates/records"
	one := url + "/" + CandidateOne
	const planted = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	tokenOf := func(t testing.TB, app *tests.TestApp, id string) string {
		r, err := app.FindRecordById("candidates", id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetString("token")
	}
	run(t, []rc{
		{"admin lists all, without tokens", Admin, list, url, "", 200, []string{CandidateOne, CandidateTwo}, []string{`"token"`}, nil},
		{"team reviewer lists team's", Reviewer, list, url, "", 200, []string{CandidateOne}, []string{CandidateTwo, `"token"`}, nil},
		{"other recruiter lists own", OtherRecruiter, list, url, "", 200, []string{CandidateTwo}, []string{CandidateOne}, nil},
		{"other reviewer lists nothing", OtherReviewer, list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"anonymous lists nothing", "", list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"view has no token", Recruiter, list, one, "", 200, []string{`"name":"Ada"`}, []string{`"token"`}, nil},
		{"other recruiter cannot view", OtherRecruiter, list, one, "", 404, nil, nil, nil},
		{"nobody can filter by token", Admin, list, url + "?filter=token!=''", "", 400, nil, []string{CandidateOne}, nil},
		{"nobody can sort by token", Admin, list, url + "?sort=token", "", 400, nil, []string{CandidateOne}, nil},

		{"owner invites; the server sets token, status and stage", Recruiter, "POST", url,
			`{"interview":"` + InterviewOne + `","name":"Linus","email":"linus@example.com","token":"` + planted + `"}`,
			200, []string{`"status":"invited"`, `"stage":"new"`}, []string{`"token"`, planted},
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				r, err := app.FindFirstRecordByData("candidates", "email", "linus@example.com")
				if err != nil {
					t.Fatal(err)
				}
				if tok := r.GetString("token"); len(tok) != 43 || tok == planted {
					t.Fatalf("token %q: want 43 fresh random characters", tok)
				}
			}},
		{"team recruiter invites", RecruiterOnTeam, "POST", url, `{"interview":"` + InterviewOne + `","name":"Linus","email":"linus@example.com"}`, 200, []string{"Linus"}, nil, nil},
		{"the same email twice in one interview is refused", Recruiter, "POST", url, `{"interview":"` + InterviewOne + `","name":"Ada again","email":"ADA@example.com"}`, 400, nil, nil, nil},
		{"a bad email is refused", Recruiter, "POST", url, `{"interview":"` + InterviewOne + `","name":"X","email":"not-an-email"}`, 400, []string{`"email"`}, nil, nil},
		{"reviewer cannot invite", Reviewer, "POST", url, `{"interview":"` + InterviewOne + `","name":"X","email":"x@example.com"}`, 400, nil, nil, nil},
		{"other recruiter cannot invite to another's interview", OtherRecruiter, "POST", url, `{"interview":"` + InterviewOne + `","name":"X","email":"x@example.com"}`, 400, nil, nil, nil},
		{"anonymous cannot invite", "", "POST", url, `{"interview":"` + InterviewOne + `","name":"X","email":"x@example.com"}`, 400, nil, nil, nil},

		{"team recruiter moves the stage", RecruiterOnTeam, "PATCH", one, `{"stage":"shortlisted"}`, 200, []string{`"stage":"shortlisted"`}, nil, nil},
		{"the token cannot be changed through the API", Admin, "PATCH", one, `{"token":"` + planted + `"}`, 200, nil, []string{planted},
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if tokenOf(t, app, CandidateOne) == planted {
					t.Fatal("token was replaced through the API")
				}
			}},
		{"the team cannot give consent or mark progress in a candidate's name", Admin, "PATCH", one,
			`{"consent_at":"2020-01-01 00:00:00.000Z","started_at":"2020-01-01 00:00:00.000Z","completed_at":"2020-01-01 00:00:00.000Z"}`, 200, nil, []string{"2020-01-01"},
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				r, _ := app.FindRecordById("candidates", CandidateOne)
				for _, f := range []string{"consent_at", "started_at", "completed_at"} {
					if strings.HasPrefix(r.GetString(f), "2020") {
						t.Errorf("%s was set through the API", f)
					}
				}
			}},
		{"an invitation cannot carry consent", Recruiter, "POST", url,
			`{"interview":"` + InterviewOne + `","name":"Linus","email":"linus@example.com","consent_at":"2020-01-01 00:00:00.000Z"}`, 200, nil, []string{"2020-01-01"}, nil},
		{"a candidate cannot be moved to another interview", Recruiter, "PATCH", one, `{"interview":"` + InterviewTwo + `"}`, 404, nil, nil, nil},
		{"reviewer cannot change the stage", Reviewer, "PATCH", one, `{"stage":"hired"}`, 404, nil, nil, nil},
		{"other recruiter cannot change", OtherRecruiter, "PATCH", one, `{"stage":"hired"}`, 404, nil, nil, nil},
		{"anonymous cannot change", "", "PATCH", one, `{"stage":"hired"}`, 404, nil, nil, nil},
		{"reviewer cannot delete", Reviewer, "DELETE", one, "", 404, nil, nil, nil},
		{"other recruiter cannot delete", OtherRecruiter, "DELETE", one, "", 404, nil, nil, nil},
		{"anonymous cannot delete", "", "DELETE", one, "", 404, nil, nil, nil},
		{"owner deletes", Recruiter, "DELETE", one, "", 204, nil, nil, nil},
	})
}

func TestAnswerRules(t *testing.T) {
	url := "/api/collections/answers/records"
	one := url + "/" + AnswerOne
	body := `{"candidate":"` + CandidateOne + `","question":"` + QuestionOne + `","take":2,"status":"complete"}`
	run(t, []rc{
		{"admin lists all", Admin, list, url, "", 200, []string{AnswerOne, AnswerTwo}, nil, nil},
		{"team reviewer lists team's", Reviewer, list, url, "", 200, []string{AnswerOne}, []string{AnswerTwo}, nil},
		{"other recruiter lists own", OtherRecruiter, list, url, "", 200, []string{AnswerTwo}, []string{AnswerOne}, nil},
		{"other reviewer lists nothing", OtherReviewer, list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"anonymous lists nothing", "", list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"other recruiter cannot view", OtherRecruiter, list, one, "", 404, nil, nil, nil},
		{"team reviewer views", Reviewer, list, one, "", 200, []string{AnswerOne}, nil, nil},
		// answers come from the recorder only
		{"admin cannot forge an answer", Admin, "POST", url, body, 403, nil, nil, nil},
		{"recruiter cannot forge an answer", Recruiter, "POST", url, body, 403, nil, nil, nil},
		{"anonymous cannot forge an answer", "", "POST", url, body, 403, nil, nil, nil},
		{"admin cannot edit an answer", Admin, "PATCH", one, `{"status":"failed"}`, 403, nil, nil, nil},
		{"recruiter cannot edit an answer", Recruiter, "PATCH", one, `{"submitted":false}`, 403, nil, nil, nil},
		{"reviewer cannot delete", Reviewer, "DELETE", one, "", 404, nil, nil, nil},
		{"other recruiter cannot delete", OtherRecruiter, "DELETE", one, "", 404, nil, nil, nil},
		{"anonymous cannot delete", "", "DELETE", one, "", 404, nil, nil, nil},
		{"team recruiter deletes", RecruiterOnTeam, "DELETE", one, "", 204, nil, nil, nil},
	})
}

// Reviews: reviews_test.go.

func TestUserRules(t *testing.T) {
	url := "/api/collections/users/records"
	me := url + "/" + Reviewer
	run(t, []rc{
		{"team members see the directory, not others' emails", Reviewer, list, url, "", 200, []string{Admin, Recruiter, `"totalItems":6`}, []string{Recruiter + "@example.com"}, nil},
		{"admin sees emails", Admin, list, url, "", 200, []string{Recruiter + "@example.com"}, nil, nil},
		{"anonymous sees nobody", "", list, url, "", 200, []string{`"totalItems":0`}, nil, nil},
		{"anonymous cannot view", "", list, me, "", 404, nil, nil, nil},
		{"admin adds a team member", Admin, "POST", url, `{"name":"New","email":"new@example.com","role":"recruiter","password":"long enough pw","passwordConfirm":"long enough pw"}`, 200, []string{`"role":"recruiter"`}, nil, nil},
		{"a short password is refused", Admin, "POST", url, `{"name":"New","email":"new@example.com","role":"recruiter","password":"short","passwordConfirm":"short"}`, 400, []string{`"password"`}, nil, nil},
		{"a user without a role is refused", Admin, "POST", url, `{"name":"New","email":"new@example.com","password":"long enough pw","passwordConfirm":"long enough pw"}`, 400, []string{`"role"`}, nil, nil},
		{"recruiter cannot add people", Recruiter, "POST", url, `{"name":"New","email":"new@example.com","role":"admin","password":"long enough pw","passwordConfirm":"long enough pw"}`, 400, nil, nil, nil},
		{"nobody signs up alone", "", "POST", url, `{"name":"New","email":"new@example.com","role":"admin","password":"long enough pw","passwordConfirm":"long enough pw"}`, 400, nil, nil, nil},
		{"a member renames themself", Reviewer, "PATCH", me, `{"name":"Renamed"}`, 200, []string{"Renamed"}, nil, nil},
		{"a member cannot promote themself", Reviewer, "PATCH", me, `{"role":"admin"}`, 404, nil, nil, nil},
		{"a member cannot edit another", Recruiter, "PATCH", me, `{"name":"x"}`, 404, nil, nil, nil},
		{"admin changes a role", Admin, "PATCH", me, `{"role":"recruiter"}`, 200, []string{`"role":"recruiter"`}, nil, nil},
		{"recruiter cannot remove people", Recruiter, "DELETE", me, "", 404, nil, nil, nil},
		{"anonymous cannot remove people", "", "DELETE", me, "", 404, nil, nil, nil},
		{"admin removes a member", Admin, "DELETE", url + "/" + OtherReviewer, "", 204, nil, nil, nil},
		{"the only admin cannot step down", Admin, "PATCH", url + "/" + Admin, `{"role":"recruiter"}`, 400, []string{"This is the only admin. Make someone else admin first"}, nil, nil},
		{"the only admin cannot be removed", Admin, "DELETE", url + "/" + Admin, "", 400, []string{"This is the only admin"}, nil, nil},
		{"sign-in with the right password", "", "POST", "/api/collections/users/auth-with-password", `{"identity":"` + Reviewer + `@example.com","password":"` + Password + `"}`, 200, []string{`"token"`, `"role":"reviewer"`}, nil, nil},
		{"sign-in with a wrong password", "", "POST", "/api/collections/users/auth-with-password", `{"identity":"` + Reviewer + `@example.com","password":"wrong password"}`, 400, nil, []string{`"token"`}, nil},
	})
}

// With a second admin, the first may step down.
func TestAnAdminStepsDownWhenAnotherRemains(t *testing.T) {
	s := tests.ApiScenario{
		Method: http.MethodPatch, URL: "/api/collections/users/records/" + Admin, Body: strings.NewReader(`{"role":"recruiter"}`),
		Headers: tpl.Auth(Admin), ExpectedStatus: 200, ExpectedContent: []string{`"role":"recruiter"`},
		TestAppFactory: func(t testing.TB) *tests.TestApp { return tpl.New(t) },
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			u, err := app.FindRecordById("users", Recruiter)
			if err != nil {
				t.Fatal(err)
			}
			u.Set("role", "admin")
			if err := app.Save(u); err != nil {
				t.Fatal(err)
			}
		},
	}
	s.Test(t)
}

// The rate limiter guards sign-in: a burst of attempts from one address is refused with 429.
func TestSignInIsRateLimited(t *testing.T) {
	app := tpl.New(t)
	defer app.Cleanup()
	// the seeded window (2 per 3 s) outlasts three attempts on a fast machine only: a busy test run (the race
	// detector slows password hashing) can spread them over more. The same rule, on a longer window.
	s := app.Settings()
	i := slices.IndexFunc(s.RateLimits.Rules, func(r core.RateLimitRule) bool { return r.Label == "*:auth" })
	if i < 0 {
		t.Fatal("no rate limit rule for *:auth")
	}
	s.RateLimits.Rules[i].Duration = 60
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	mux := Mux(t, app)
	for i, want := range []int{400, 400, 429} {
		body := `{"identity":"` + Reviewer + `@example.com","password":"guess ` + strconv.Itoa(i) + `"}`
		req := httptest.NewRequest(http.MethodPost, "/api/collections/users/auth-with-password", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("attempt %d: status %d, want %d (%s)", i+1, rec.Code, want, rec.Body)
		}
	}
}

// Every collection of the contract exists with its fields.
func TestCollectionsHaveTheContractFields(t *testing.T) {
	app := tpl.New(t)
	defer app.Cleanup()
	want := map[string][]string{
		"users":             {"name", "role", "email"},
		"interviews":        {"title", "description", "status", "welcome_text", "welcome_video", "closing_text", "brand_color", "logo", "deadline_days", "team", "owner"},
		"questions":         {"interview", "position", "prompt", "video", "answer_seconds", "think_seconds", "retakes"},
		"library_questions": {"prompt", "category", "answer_seconds", "think_seconds", "retakes"},
		"candidates":        {"interview", "name", "email", "status", "stage", "deadline", "extra_time_percent", "consent_at", "started_at", "completed_at"},
		"answers":           {"candidate", "question", "take", "video", "duration_ms", "status", "submitted"},
		"reviews":           {"candidate", "answer", "author", "rating", "comment"},
	}
	for name, fields := range want {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatalf("collection %s: %v", name, err)
		}
		for _, f := range fields {
			if c.Fields.GetByName(f) == nil {
				t.Errorf("%s has no field %s", name, f)
			}
		}
	}
	answers, _ := app.FindCollectionByNameOrId("answers")
	video := answers.Fields.GetByName("video").(*core.FileField)
	if !video.Protected || video.MaxSize < 1<<30 {
		t.Errorf("answers.video must be protected and hold long answers: protected=%v max=%d", video.Protected, video.MaxSize)
	}
}

// The rate limiter is on for a new install, with rules for sign-in, the candidate routes and the setup link.
func TestRateLimiterSeeded(t *testing.T) {
	app := tpl.New(t)
	defer app.Cleanup()
	limits := app.Settings().RateLimits
	if !limits.Enabled {
		t.Fatal("rate limiter is off")
	}
	for _, label := range []string{"*:auth", "/api/takeone/session/", "/api/takeone/setup/"} {
		if !slices.ContainsFunc(limits.Rules, func(r core.RateLimitRule) bool { return r.Label == label }) {
			t.Errorf("no rate limit rule for %s", label)
		}
	}
}
