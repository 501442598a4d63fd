package pb_migrations_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	. "github.com/takeone/takeone/internal/testapp"
)

// More fixtures, saved by a case's given: a second submitted answer of CandidateOne, a take of CandidateOne that was
// not submitted, and a second candidate of interview One with a submitted answer.
const (
	answerSpare     = "answerspare0001"
	answerUnsent    = "answerunsent001"
	candidateThree  = "candidate000003"
	answerThree     = "answerthree0001"
	overallReviewer = "overallreview01" // Reviewer's review of CandidateOne as a whole
)

// fixture saves one record (or changes one, for an existing id) before a case's request.
type fixture struct {
	collection, id string
	fields         map[string]any
}

func review(id, author, candidate, answer string, rating int) fixture {
	return fixture{"reviews", id, map[string]any{"author": author, "candidate": candidate, "answer": answer, "rating": rating}}
}

var (
	spareAnswer  = fixture{"answers", answerSpare, map[string]any{"candidate": CandidateOne, "question": QuestionSpare, "take": 1, "status": "complete", "submitted": true}}
	unsentAnswer = fixture{"answers", answerUnsent, map[string]any{"candidate": CandidateOne, "question": QuestionSpare, "take": 2, "status": "complete"}}
	thirdCand    = fixture{"candidates", candidateThree, map[string]any{"interview": InterviewOne, "name": "Linus", "email": "linus@example.com"}}
	thirdAnswer  = fixture{"answers", answerThree, map[string]any{"candidate": candidateThree, "question": QuestionOne, "take": 1, "status": "complete", "submitted": true}}
	adminOnTeam  = fixture{"interviews", InterviewOne, map[string]any{"team": []string{RecruiterOnTeam, Reviewer, Admin}}}
	reviewerOff  = fixture{"interviews", InterviewOne, map[string]any{"team": []string{RecruiterOnTeam}}}
	adminOwnsTwo = fixture{"interviews", InterviewTwo, map[string]any{"owner": Admin}}
)

// given saves fixtures before a case's request (its BeforeTestFunc): what exists when the request is made.
func given(fixtures ...fixture) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		for _, f := range fixtures {
			save(t, app, f)
		}
		AwaitInvitations(t, app)
	}
}

func save(t testing.TB, app core.App, f fixture) {
	t.Helper()
	r, err := app.FindRecordById(f.collection, f.id)
	if err != nil {
		c, err := app.FindCollectionByNameOrId(f.collection)
		if err != nil {
			t.Fatal(err)
		}
		r = core.NewRecord(c)
		r.Id = f.id
	}
	for k, v := range f.fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("given %s %s: %v", f.collection, f.id, err)
	}
}

const reviewsURL = "/api/collections/reviews/records"

// Others' ratings stay hidden until you have rated the same answer (or the same candidate as a whole).
func TestReviewsAreBlindUntilYouRate(t *testing.T) {
	t.Parallel()
	one := reviewsURL + "/" + ReviewOne
	none := `"totalItems":0`
	run(t, []tests.ApiScenario{
		{Name: "the author sees their own review", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewOne, `"totalItems":1`}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "the owner who has not rated sees no one's", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{none}, ExpectedEvents: Fired(ListRequest)},
		{Name: "a team recruiter who has not rated sees no one's", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{none}, ExpectedEvents: Fired(ListRequest)},
		{Name: "nor can they open one", Method: http.MethodGet, URL: one, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "after rating the same answer, the others' show", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam),
			BeforeTestFunc: given(review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewOne, "reviewmine00001", `"totalItems":2`}, ExpectedEvents: Fired(ListRequest, Enriched(2))},
		{Name: "and open", Method: http.MethodGet, URL: one, Headers: tpl.Auth(RecruiterOnTeam),
			BeforeTestFunc: given(review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)),
			ExpectedStatus: 200, ExpectedContent: []string{`"rating":4`, `"comment":"Clear"`}, ExpectedEvents: Fired(ViewRequest, Enriched(1))},
		{Name: "the first rater now sees the later one too", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Reviewer),
			BeforeTestFunc: given(review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewOne, "reviewmine00001"}, ExpectedEvents: Fired(ListRequest, Enriched(2))},
		{Name: "rating another answer of the candidate reveals nothing of this one", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam),
			BeforeTestFunc: given(spareAnswer, review("reviewmine00001", RecruiterOnTeam, CandidateOne, answerSpare, 5)),
			ExpectedStatus: 200, ExpectedContent: []string{"reviewmine00001", `"totalItems":1`}, NotExpectedContent: []string{ReviewOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "a review of the candidate as a whole reveals none of the answers' reviews", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam),
			BeforeTestFunc: given(review("reviewmine00001", RecruiterOnTeam, CandidateOne, "", 5)),
			ExpectedStatus: 200, ExpectedContent: []string{"reviewmine00001", `"totalItems":1`}, NotExpectedContent: []string{ReviewOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "reviews of the whole candidate stay hidden from those who rated only answers", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Reviewer),
			BeforeTestFunc: given(review(overallReviewer, Recruiter, CandidateOne, "", 3)),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewOne, `"totalItems":1`}, NotExpectedContent: []string{overallReviewer}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "until they review the whole candidate too", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Reviewer),
			BeforeTestFunc: given(review(overallReviewer, Recruiter, CandidateOne, "", 3), review("reviewmine00001", Reviewer, CandidateOne, "", 4)),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewOne, overallReviewer, "reviewmine00001", `"totalItems":3`}, ExpectedEvents: Fired(ListRequest, Enriched(3))},
		{Name: "a review of another candidate as a whole reveals nothing", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Reviewer),
			BeforeTestFunc: given(thirdCand, review(overallReviewer, Recruiter, CandidateOne, "", 3), review("reviewmine00001", Reviewer, candidateThree, "", 4)),
			ExpectedStatus: 200, NotExpectedContent: []string{overallReviewer}, ExpectedEvents: Fired(ListRequest, Enriched(2))},

		{Name: "other interviews stay invisible to a rater", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, NotExpectedContent: []string{ReviewTwo}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "and their reviews cannot be opened", Method: http.MethodGet, URL: reviewsURL + "/" + ReviewTwo, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "another interview's owner sees only their own interview's", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewTwo}, NotExpectedContent: []string{ReviewOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "nor open one of them", Method: http.MethodGet, URL: one, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "a reviewer off every team sees nothing", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 200, ExpectedContent: []string{none}, ExpectedEvents: Fired(ListRequest)},
		{Name: "anonymous sees nothing", Method: http.MethodGet, URL: reviewsURL,
			ExpectedStatus: 200, ExpectedContent: []string{none}, ExpectedEvents: Fired(ListRequest)},
		{Name: "taken off the team, a rater no longer sees even their own", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Reviewer),
			BeforeTestFunc: given(reviewerOff),
			ExpectedStatus: 200, ExpectedContent: []string{none}, ExpectedEvents: Fired(ListRequest)},

		{Name: "an admin off the team sees every review", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewOne, ReviewTwo}, ExpectedEvents: Fired(ListRequest, Enriched(2))},
		{Name: "an admin on the team is blind like the team", Method: http.MethodGet, URL: reviewsURL, Headers: tpl.Auth(Admin),
			BeforeTestFunc: given(adminOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewTwo}, NotExpectedContent: []string{ReviewOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "until they rate", Method: http.MethodGet, URL: one, Headers: tpl.Auth(Admin),
			BeforeTestFunc: given(adminOnTeam, review("reviewmine00001", Admin, CandidateOne, AnswerOne, 1)),
			ExpectedStatus: 200, ExpectedContent: []string{ReviewOne}, ExpectedEvents: Fired(ViewRequest, Enriched(1))},
		{Name: "an admin who owns the interview is blind too", Method: http.MethodGet, URL: reviewsURL + "/" + ReviewTwo, Headers: tpl.Auth(Admin),
			BeforeTestFunc: given(adminOwnsTwo),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},

		// a filter or an expand from another collection must not peek at hidden ratings
		{Name: "a filter on answers cannot test hidden ratings", Method: http.MethodGet, URL: "/api/collections/answers/records?filter=" + url.QueryEscape(`reviews_via_answer.rating ?= 4`), Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{none}, ExpectedEvents: Fired(ListRequest)},
		{Name: "the same filter works once rated", Method: http.MethodGet, URL: "/api/collections/answers/records?filter=" + url.QueryEscape(`reviews_via_answer.rating ?= 4`), Headers: tpl.Auth(RecruiterOnTeam),
			BeforeTestFunc: given(review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)),
			ExpectedStatus: 200, ExpectedContent: []string{AnswerOne}, ExpectedEvents: Fired(ListRequest, Enriched(1))},
		{Name: "a filter on candidates cannot test hidden ratings", Method: http.MethodGet, URL: "/api/collections/candidates/records?filter=" + url.QueryEscape(`reviews_via_candidate.rating ?= 4`), Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{none}, ExpectedEvents: Fired(ListRequest)},
		{Name: "an expand of answers does not show hidden reviews", Method: http.MethodGet, URL: "/api/collections/answers/records/" + AnswerOne + "?expand=reviews_via_answer", Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{AnswerOne}, NotExpectedContent: []string{ReviewOne, `"rating"`}, ExpectedEvents: Fired(ViewRequest, Enriched(1))},
	})
}

// One review per person and answer (and per person and candidate as a whole), in their own name, rating 1-5.
func TestReviewWrites(t *testing.T) {
	t.Parallel()
	one := reviewsURL + "/" + ReviewOne
	body := func(candidate, answer, author, rest string) string {
		return `{"candidate":"` + candidate + `","answer":"` + answer + `","author":"` + author + `"` + rest + `}`
	}
	run(t, []tests.ApiScenario{
		{Name: "a team member rates an answer", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":3,"comment":"Good"`)),
			ExpectedStatus: 200, ExpectedContent: []string{`"rating":3`, `"comment":"Good"`}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "the comment is optional", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":3`)),
			ExpectedStatus: 200, ExpectedContent: []string{`"rating":3`}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "the rating is not", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"comment":"Good"`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"rating"`, "validation_required"}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "a rating of 0 is refused", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":0`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"rating"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "a rating of 6 is refused", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":6`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"rating"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "a rating of 3.5 is refused", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":3.5`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"rating"`}, ExpectedEvents: Fired(CreateRequest, CreateInvalid)},
		{Name: "a second review of the same answer is refused, saying what to do", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(body(CandidateOne, AnswerOne, Reviewer, `,"rating":5`)),
			ExpectedStatus: 400, ExpectedContent: []string{"You have already reviewed this answer", "records/" + ReviewOne}, ExpectedEvents: Fired(CreateRequest)},
		{Name: "the candidate as a whole is reviewed once per person", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(body(CandidateOne, "", Reviewer, `,"rating":5`)),
			BeforeTestFunc: given(review(overallReviewer, Reviewer, CandidateOne, "", 3)),
			ExpectedStatus: 400, ExpectedContent: []string{"You have already reviewed this candidate as a whole", "records/" + overallReviewer}, ExpectedEvents: Fired(CreateRequest)},
		{Name: "a review of the whole candidate besides the answer's", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(body(CandidateOne, "", Reviewer, `,"rating":5`)),
			ExpectedStatus: 200, ExpectedContent: []string{`"answer":""`}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "nobody rates in another's name", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, AnswerOne, Recruiter, `,"rating":5`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "a review pairs an answer with its own candidate", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, answerThree, RecruiterOnTeam, `,"rating":5`)),
			BeforeTestFunc: given(thirdCand, thirdAnswer),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "nor with another interview's answer", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(Admin), Body: strings.NewReader(body(CandidateOne, AnswerTwo, Admin, `,"rating":5`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "a take that was not submitted is not rated", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(body(CandidateOne, answerUnsent, RecruiterOnTeam, `,"rating":5`)),
			BeforeTestFunc: given(unsentAnswer),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "a reviewer off the team cannot rate", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(OtherReviewer), Body: strings.NewReader(body(CandidateOne, AnswerOne, OtherReviewer, `,"rating":5`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "a recruiter cannot rate another team's candidate", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(Recruiter), Body: strings.NewReader(body(CandidateTwo, AnswerTwo, Recruiter, `,"rating":5`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},
		{Name: "an admin rates any candidate", Method: http.MethodPost, URL: reviewsURL, Headers: tpl.Auth(Admin), Body: strings.NewReader(body(CandidateTwo, AnswerTwo, Admin, `,"rating":5`)),
			ExpectedStatus: 200, ExpectedContent: []string{`"author":"` + Admin + `"`, `"rating":5`}, ExpectedEvents: Fired(CreateRequest, RecordCreated, Enriched(1))},
		{Name: "anonymous cannot rate", Method: http.MethodPost, URL: reviewsURL, Body: strings.NewReader(body(CandidateOne, AnswerOne, Reviewer, `,"rating":5`)),
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, ExpectedEvents: Fired()},

		{Name: "the author changes their rating", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"rating":5,"comment":""}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"rating":5`, `"comment":""`}, ExpectedEvents: Fired(UpdateRequest, RecordUpdated, Enriched(1))},
		{Name: "not to 0", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"rating":0}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"rating"`}, ExpectedEvents: Fired(UpdateRequest, UpdateInvalid)},
		{Name: "nor to another answer", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"answer":"` + answerSpare + `"}`),
			BeforeTestFunc: given(spareAnswer),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "nor into another's name", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"author":"` + RecruiterOnTeam + `"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "others cannot edit it, even after rating", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(RecruiterOnTeam), Body: strings.NewReader(`{"rating":1}`),
			BeforeTestFunc: given(review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "an admin cannot edit someone's review", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Admin), Body: strings.NewReader(`{"comment":"Bad"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "off the team, the author cannot edit it any more", Method: http.MethodPatch, URL: one, Headers: tpl.Auth(Reviewer), Body: strings.NewReader(`{"rating":1}`),
			BeforeTestFunc: given(reviewerOff),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot edit", Method: http.MethodPatch, URL: one, Body: strings.NewReader(`{"rating":1}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "others cannot delete it", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Recruiter),
			BeforeTestFunc: given(review("reviewmine00001", Recruiter, CandidateOne, AnswerOne, 2)),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "anonymous cannot delete it", Method: http.MethodDelete, URL: one,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, ExpectedEvents: Fired()},
		{Name: "the author deletes it", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, RecordDeleted)},
		{Name: "an admin removes any review", Method: http.MethodDelete, URL: one, Headers: tpl.Auth(Admin),
			ExpectedStatus: 204, ExpectedEvents: Fired(DeleteRequest, RecordDeleted)},
	})
}
