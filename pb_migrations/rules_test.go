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

// run runs a table of requests, each on a fresh clone of the template. Every case says which events fire: a request
// refused by a rule must not reach a model hook, and one let through must write what it says.
func run(t *testing.T, scenarios []tests.ApiScenario) {
	t.Helper()
	for _, s := range scenarios {
		if s.ExpectedEvents == nil {
			t.Fatalf("%s: no ExpectedEvents", s.Name)
		}
		s.TestAppFactory = tpl.New
		s.Test(t)
	}
}

func TestInterviewRules(t *testing.T) {
	t.Parallel()
	url := "/api/collections/interviews/records"
	one := url + "/" + InterviewOne
	run(t, []tests.ApiScenario{
		{Name: "admin lists all", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{InterviewOne, InterviewTwo}, ExpectedEvents: Fired(ListRequest, Enriched(2))},
		{Name: "owner lists own", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{InterviewOne}, NotExpectedContent: []string{InterviewTwo}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "team recruiter lists team's", Method: http.MethodGet, URL: url, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{InterviewOne}, NotExpectedContent: []string{InterviewTwo}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "other recruiter lists only own", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 200, ExpectedContent: []string{InterviewTwo}, NotExpectedContent: []string{InterviewOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "team reviewer lists team's", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{InterviewOne}, NotExpectedContent: []string{InterviewTwo}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "other reviewer lists nothing", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "anonymous lists nothing", Method: http.MethodGet, URL: url,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},

		{Name: "team reviewer views", Method: http.MethodGet, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{InterviewOne}, ExpectedEvents: Fired(ViewRequest, Enriched(1))},
		{Name: "other recruiter cannot view", Method: http.MethodGet, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other reviewer cannot view", Method: http.MethodGet, URL: one, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot view", Method: http.MethodGet, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},

		{Name: "admin creates for anyone", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"title":"Designer","owner":"` + Recruiter + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"draft"`}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "recruiter creates own", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"title":"Designer","owner":"` + Recruiter + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Designer"`}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "recruiter cannot create in another's name", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"title":"Designer","owner":"` + OtherRecruiter + `"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot create", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"title":"Designer","owner":"` + Reviewer + `"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot create", Method: http.MethodPost, URL: url, Body: strings.NewReader(`{"title":"Designer","owner":"` + Recruiter + `"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "empty title refused", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"title":"","owner":"` + Recruiter + `"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"title"`, "validation_required"}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},

		{Name: "owner updates", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"title":"Support lead"}`),
			ExpectedStatus: 200, ExpectedContent: []string{"Support lead"}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "team recruiter updates", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(`{"status":"closed"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"closed"`}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "team recruiter cannot take ownership", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(`{"owner":"` + RecruiterOnTeam + `"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "owner hands over", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"owner":"` + RecruiterOnTeam + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{RecruiterOnTeam}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "team reviewer cannot update", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"title":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot update", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(OtherRecruiter), Body: strings.NewReader(`{"title":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot update", Method: http.MethodPatch, URL: one, Body: strings.NewReader(`{"title":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},

		{Name: "team recruiter cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot delete", Method: http.MethodDelete, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		// with it go its 2 questions, its candidate, her answer and its review
		{Name: "owner deletes", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, Times(RecordDeleted, 6))},
		{Name: "admin deletes", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Admin),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, Times(RecordDeleted, 6))},
	})
}

func TestQuestionRules(t *testing.T) {
	t.Parallel()
	url := "/api/collections/questions/records"
	one := url + "/" + QuestionOne
	create := func(interview string) string {
		return `{"interview":"` + interview + `","prompt":"Why us?","answer_seconds":90,"think_seconds":30,"retakes":1}`
	}
	run(t, []tests.ApiScenario{
		{Name: "admin lists all", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{QuestionOne, QuestionTwo}, ExpectedEvents: Fired(ListRequest, Enriched(3))},
		{Name: "team reviewer lists team's", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{QuestionOne}, NotExpectedContent: []string{QuestionTwo}, ExpectedEvents: Fired(ListRequest, Enriched(2))},
		{Name: "other recruiter lists own", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 200, ExpectedContent: []string{QuestionTwo}, NotExpectedContent: []string{QuestionOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "other reviewer lists nothing", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "anonymous lists nothing", Method: http.MethodGet, URL: url,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "other recruiter cannot view", Method: http.MethodGet, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "team reviewer views", Method: http.MethodGet, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{"Tell us about yourself"}, ExpectedEvents: Fired(ViewRequest, Enriched(1))},

		{Name: "owner adds", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(create(InterviewOne)),
			ExpectedStatus: 200, ExpectedContent: []string{"Why us?"}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "team recruiter adds", Method: http.MethodPost, URL: url, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(create(InterviewOne)),
			ExpectedStatus: 200, ExpectedContent: []string{"Why us?"}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "admin adds", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin), Body: strings.NewReader(create(InterviewTwo)),
			ExpectedStatus: 200, ExpectedContent: []string{"Why us?"}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "recruiter cannot add to another's interview", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(create(InterviewTwo)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot add", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(create(InterviewOne)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot add", Method: http.MethodPost, URL: url, Body: strings.NewReader(create(InterviewOne)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "zero answer time refused", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"interview":"` + InterviewOne + `","prompt":"x","answer_seconds":0}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"answer_seconds"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "negative retakes refused", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"interview":"` + InterviewOne + `","prompt":"x","answer_seconds":60,"retakes":-1}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"retakes"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},

		{Name: "team recruiter edits", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(`{"prompt":"Introduce yourself"}`),
			ExpectedStatus: 200, ExpectedContent: []string{"Introduce yourself"}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "owner cannot move it to another interview", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"interview":"` + InterviewTwo + `"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot edit", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"prompt":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot edit", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(OtherRecruiter), Body: strings.NewReader(`{"prompt":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot edit", Method: http.MethodPatch, URL: one, Body: strings.NewReader(`{"prompt":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot delete", Method: http.MethodDelete, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "a question with answers is kept", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 400, ExpectedContent: []string{"required relation"}, ExpectedEvents: Fired(DeleteRequest, DeleteFailed)},
		{Name: "team recruiter deletes", Method: http.MethodDelete, URL: url + "/" + QuestionSpare, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, RecordDeleted)},
	})
}

func TestLibraryQuestionRules(t *testing.T) {
	t.Parallel()
	url := "/api/collections/library_questions/records"
	one := url + "/" + LibraryOne
	body := `{"prompt":"Describe a conflict you solved","category":"Teamwork","answer_seconds":120}`
	run(t, []tests.ApiScenario{
		{Name: "reviewer reads the library", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 200, ExpectedContent: []string{LibraryOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "anonymous cannot read it", Method: http.MethodGet, URL: url,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "anonymous cannot view", Method: http.MethodGet, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "recruiter adds", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(body),
			ExpectedStatus: 200, ExpectedContent: []string{"Teamwork"}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "admin adds", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin), Body: strings.NewReader(body),
			ExpectedStatus: 200, ExpectedContent: []string{"Teamwork"}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "reviewer cannot add", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(body),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot add", Method: http.MethodPost, URL: url, Body: strings.NewReader(body),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "recruiter edits", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(OtherRecruiter), Body: strings.NewReader(`{"category":"Motivation"}`),
			ExpectedStatus: 200, ExpectedContent: []string{"Motivation"}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "reviewer cannot edit", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"category":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot delete", Method: http.MethodDelete, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "recruiter deletes", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, RecordDeleted)},
	})
}

func TestCandidateRules(t *testing.T) {
	t.Parallel()
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
	run(t, []tests.ApiScenario{
		{Name: "admin lists all, without tokens", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{CandidateOne, CandidateTwo}, NotExpectedContent: []string{`"token"`}, ExpectedEvents: Fired(ListRequest, Enriched(2))},
		{Name: "team reviewer lists team's", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{CandidateOne}, NotExpectedContent: []string{CandidateTwo, `"token"`}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "other recruiter lists own", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 200, ExpectedContent: []string{CandidateTwo}, NotExpectedContent: []string{CandidateOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "other reviewer lists nothing", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "anonymous lists nothing", Method: http.MethodGet, URL: url,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "view has no token", Method: http.MethodGet, URL: one, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"Ada"`}, NotExpectedContent: []string{`"token"`}, ExpectedEvents: Fired(ViewRequest, Enriched(1))},
		{Name: "other recruiter cannot view", Method: http.MethodGet, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "nobody can filter by token", Method: http.MethodGet, URL: url + "?filter=token!=''", Headers: tpl.Auth(Admin),
			ExpectedStatus: 400, NotExpectedContent: []string{CandidateOne}, ExpectedEvents: Fired()},
		{Name: "nobody can sort by token", Method: http.MethodGet, URL: url + "?sort=token", Headers: tpl.Auth(Admin),
			ExpectedStatus: 400, NotExpectedContent: []string{CandidateOne}, ExpectedEvents: Fired()},

		{Name: "owner invites; the server sets token, status and stage", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter),
			Body:           strings.NewReader(`{"interview":"` + InterviewOne + `","name":"Linus","email":"linus@example.com","token":"` + planted + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"invited"`, `"stage":"new"`}, NotExpectedContent: []string{`"token"`, planted},
			ExpectedEvents: FiredBesidesInvitation(CreateRequest, RecordCreated, Enriched(1)),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				r, err := app.FindFirstRecordByData("candidates", "email", "linus@example.com")
				if err != nil {
					t.Fatal(err)
				}
				if tok := r.GetString("token"); len(tok) != 43 || tok == planted {
					t.Fatalf("token %q: want 43 fresh random characters", tok)
				}
			}},
		{Name: "team recruiter invites", Method: http.MethodPost, URL: url, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(`{"interview":"` + InterviewOne + `","name":"Linus","email":"linus@example.com"}`),
			ExpectedStatus: 200, ExpectedContent: []string{"Linus"}, ExpectedEvents: FiredBesidesInvitation(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "the same email twice in one interview is refused", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"interview":"` + InterviewOne + `","name":"Ada again","email":"ADA@example.com"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired(CreateRequest, CreateFailed)},
		{Name: "a bad email is refused", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"interview":"` + InterviewOne + `","name":"X","email":"not-an-email"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"email"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "reviewer cannot invite", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"interview":"` + InterviewOne + `","name":"X","email":"x@example.com"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot invite to another's interview", Method: http.MethodPost, URL: url, Headers: tpl.Auth(OtherRecruiter), Body: strings.NewReader(`{"interview":"` + InterviewOne + `","name":"X","email":"x@example.com"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot invite", Method: http.MethodPost, URL: url, Body: strings.NewReader(`{"interview":"` + InterviewOne + `","name":"X","email":"x@example.com"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},

		{Name: "team recruiter moves the stage", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(`{"stage":"shortlisted"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"stage":"shortlisted"`}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "the token cannot be changed through the API", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"token":"` + planted + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{CandidateOne}, NotExpectedContent: []string{planted}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1)),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if tokenOf(t, app, CandidateOne) == planted {
					t.Fatal("token was replaced through the API")
				}
			}},
		{Name: "the team cannot give consent or mark progress in a candidate's name", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Admin),
			Body:           strings.NewReader(`{"consent_at":"2020-01-01 00:00:00.000Z","started_at":"2020-01-01 00:00:00.000Z","completed_at":"2020-01-01 00:00:00.000Z"}`),
			ExpectedStatus: 200, ExpectedContent: []string{CandidateOne}, NotExpectedContent: []string{"2020-01-01"}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1)),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				r, _ := app.FindRecordById("candidates", CandidateOne)
				for _, f := range []string{"consent_at", "started_at", "completed_at"} {
					if strings.HasPrefix(r.GetString(f), "2020") {
						t.Errorf("%s was set through the API", f)
					}
				}
			}},
		{Name: "an invitation cannot carry consent", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter),
			Body:           strings.NewReader(`{"interview":"` + InterviewOne + `","name":"Linus","email":"linus@example.com","consent_at":"2020-01-01 00:00:00.000Z"}`),
			ExpectedStatus: 200, ExpectedContent: []string{"Linus"}, NotExpectedContent: []string{"2020-01-01"}, ExpectedEvents: FiredBesidesInvitation(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "a candidate cannot be moved to another interview", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"interview":"` + InterviewTwo + `"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot change the stage", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot change", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(OtherRecruiter), Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot change", Method: http.MethodPatch, URL: one, Body: strings.NewReader(`{"stage":"hired"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot delete", Method: http.MethodDelete, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		// with her go her answer and its review
		{Name: "owner deletes", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, Times(RecordDeleted, 3))},
	})
}

func TestAnswerRules(t *testing.T) {
	t.Parallel()
	url := "/api/collections/answers/records"
	one := url + "/" + AnswerOne
	body := `{"candidate":"` + CandidateOne + `","question":"` + QuestionOne + `","take":2,"status":"complete"}`
	run(t, []tests.ApiScenario{
		{Name: "admin lists all", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{AnswerOne, AnswerTwo}, ExpectedEvents: Fired(ListRequest, Enriched(2))},
		{Name: "team reviewer lists team's", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{AnswerOne}, NotExpectedContent: []string{AnswerTwo}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "other recruiter lists own", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 200, ExpectedContent: []string{AnswerTwo}, NotExpectedContent: []string{AnswerOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "other reviewer lists nothing", Method: http.MethodGet, URL: url, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "anonymous lists nothing", Method: http.MethodGet, URL: url,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "other recruiter cannot view", Method: http.MethodGet, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "team reviewer views", Method: http.MethodGet, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{AnswerOne}, ExpectedEvents: Fired(ViewRequest, Enriched(1))},
		// answers come from the recorder only
		{Name: "admin cannot forge an answer", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin), Body: strings.NewReader(body),
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, ExpectedEvents: Fired()},
		{Name: "recruiter cannot forge an answer", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(body),
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot forge an answer", Method: http.MethodPost, URL: url, Body: strings.NewReader(body),
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, ExpectedEvents: Fired()},
		{Name: "admin cannot edit an answer", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"status":"failed"}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, ExpectedEvents: Fired()},
		{Name: "recruiter cannot edit an answer", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"submitted":false}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, ExpectedEvents: Fired()},
		{Name: "reviewer cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "other recruiter cannot delete", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot delete", Method: http.MethodDelete, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		// with it goes its review
		{Name: "team recruiter deletes", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, Times(RecordDeleted, 2))},
	})
}

// Reviews: reviews_test.go.

func TestUserRules(t *testing.T) {
	t.Parallel()
	url := "/api/collections/users/records"
	me := url + "/" + Reviewer
	run(t, []tests.ApiScenario{
		{Name: "team members see the directory, not others' emails", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{Admin, Recruiter, `"totalItems":6`}, NotExpectedContent: []string{Recruiter + "@example.com"}, ExpectedEvents: Fired(ListRequest, Enriched(6))},
		{Name: "admin sees emails", Method: http.MethodGet, URL: url, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{Recruiter + "@example.com"}, ExpectedEvents: Fired(ListRequest, Enriched(6))},
		{Name: "anonymous sees nobody", Method: http.MethodGet, URL: url,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, ExpectedEvents: Fired(ListRequest)},
		{Name: "anonymous cannot view", Method: http.MethodGet, URL: me,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "admin adds a team member", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"name":"New","email":"new@example.com","role":"recruiter","password":"long enough pw","passwordConfirm":"long enough pw"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"role":"recruiter"`}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "a short password is refused", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"name":"New","email":"new@example.com","role":"recruiter","password":"short","passwordConfirm":"short"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"password"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "a user without a role is refused", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"name":"New","email":"new@example.com","password":"long enough pw","passwordConfirm":"long enough pw"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"role"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "recruiter cannot add people", Method: http.MethodPost, URL: url, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"name":"New","email":"new@example.com","role":"admin","password":"long enough pw","passwordConfirm":"long enough pw"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "nobody signs up alone", Method: http.MethodPost, URL: url, Body: strings.NewReader(`{"name":"New","email":"new@example.com","role":"admin","password":"long enough pw","passwordConfirm":"long enough pw"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "a member renames themself", Method: http.MethodPatch, URL: me, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"name":"Renamed"}`),
			ExpectedStatus: 200, ExpectedContent: []string{"Renamed"}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "a member cannot promote themself", Method: http.MethodPatch, URL: me, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"role":"admin"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "a member cannot edit another", Method: http.MethodPatch, URL: me, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(`{"name":"x"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "admin changes a role", Method: http.MethodPatch, URL: me, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"role":"recruiter"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"role":"recruiter"`}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "recruiter cannot remove people", Method: http.MethodDelete, URL: me, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot remove people", Method: http.MethodDelete, URL: me,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "admin removes a member", Method: http.MethodDelete, URL: url + "/" + OtherReviewer, Headers: tpl.Auth(Admin),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, RecordDeleted)},
		{Name: "the only admin cannot step down", Method: http.MethodPatch, URL: url + "/" + Admin, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"role":"recruiter"}`),
			ExpectedStatus: 400, ExpectedContent: []string{"This is the only admin. Make someone else admin first"}, ExpectedEvents: Fired(UpdateRequest)},
		{Name: "the only admin cannot be removed", Method: http.MethodDelete, URL: url + "/" + Admin, Headers: tpl.Auth(Admin),
			ExpectedStatus: 400, ExpectedContent: []string{"This is the only admin"}, ExpectedEvents: Fired(DeleteRequest)},
		// the sign-in from a new device saves its auth origin (PocketBase's _authOrigins)
		{Name: "sign-in with the right password", Method: http.MethodPost, URL: "/api/collections/users/auth-with-password", Body: strings.NewReader(`{"identity":"` + Reviewer + `@example.com","password":"` + Password + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"token"`, `"role":"reviewer"`},
			ExpectedEvents: Fired(map[string]int{"OnRecordAuthWithPasswordRequest": 1, "OnRecordAuthRequest": 1}, RecordCreated, Enriched(1))},
		{Name: "sign-in with a wrong password", Method: http.MethodPost, URL: "/api/collections/users/auth-with-password", Body: strings.NewReader(`{"identity":"` + Reviewer + `@example.com","password":"wrong password"}`),
			ExpectedStatus: 400, NotExpectedContent: []string{`"token"`},
			ExpectedEvents: Fired(map[string]int{"OnRecordAuthWithPasswordRequest": 1})},
	})
}

// With a second admin, the first may step down.
func TestAnAdminStepsDownWhenAnotherRemains(t *testing.T) {
	t.Parallel()
	s := tests.ApiScenario{
		Method: http.MethodPatch, URL: "/api/collections/users/records/" + Admin, Body: strings.NewReader(`{"role":"recruiter"}`),
		Headers: tpl.Auth(Admin), ExpectedStatus: 200, ExpectedContent: []string{`"role":"recruiter"`},
		ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1)),
		TestAppFactory: tpl.New,
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
