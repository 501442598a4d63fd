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

// rv is one request of the review tables: what exists before it (given), who asks, and what they must (not) see.
type rv struct {
	name   string
	given  []fixture
	as     string
	method string
	url    string
	body   string
	status int
	see    []string
	notSee []string
}

func runReviews(t *testing.T, cases []rv) {
	t.Helper()
	for _, c := range cases {
		s := tests.ApiScenario{
			Name:               c.name,
			Method:             c.method,
			URL:                c.url,
			Headers:            tpl.Auth(c.as),
			ExpectedStatus:     c.status,
			ExpectedContent:    c.see,
			NotExpectedContent: c.notSee,
			TestAppFactory:     tpl.New,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				for _, f := range c.given {
					save(t, app, f)
				}
			},
		}
		if c.body != "" {
			s.Body = strings.NewReader(c.body)
		}
		if len(s.ExpectedContent) == 0 && len(s.NotExpectedContent) == 0 && c.status != http.StatusNoContent {
			s.ExpectedContent = []string{`"`}
		}
		s.Test(t)
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
	one := reviewsURL + "/" + ReviewOne
	none := `"totalItems":0`
	runReviews(t, []rv{
		{name: "the author sees their own review", as: Reviewer, method: list, url: reviewsURL, status: 200, see: []string{ReviewOne, `"totalItems":1`}},
		{name: "the owner who has not rated sees no one's", as: Recruiter, method: list, url: reviewsURL, status: 200, see: []string{none}},
		{name: "a team recruiter who has not rated sees no one's", as: RecruiterOnTeam, method: list, url: reviewsURL, status: 200, see: []string{none}},
		{name: "nor can they open one", as: RecruiterOnTeam, method: list, url: one, status: 404},
		{name: "after rating the same answer, the others' show", given: []fixture{review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)},
			as: RecruiterOnTeam, method: list, url: reviewsURL, status: 200, see: []string{ReviewOne, "reviewmine00001", `"totalItems":2`}},
		{name: "and open", given: []fixture{review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)},
			as: RecruiterOnTeam, method: list, url: one, status: 200, see: []string{`"rating":4`, `"comment":"Clear"`}},
		{name: "the first rater now sees the later one too", given: []fixture{review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)},
			as: Reviewer, method: list, url: reviewsURL, status: 200, see: []string{ReviewOne, "reviewmine00001"}},
		{name: "rating another answer of the candidate reveals nothing of this one", given: []fixture{spareAnswer, review("reviewmine00001", RecruiterOnTeam, CandidateOne, answerSpare, 5)},
			as: RecruiterOnTeam, method: list, url: reviewsURL, status: 200, see: []string{"reviewmine00001", `"totalItems":1`}, notSee: []string{ReviewOne}},
		{name: "a review of the candidate as a whole reveals none of the answers' reviews", given: []fixture{review("reviewmine00001", RecruiterOnTeam, CandidateOne, "", 5)},
			as: RecruiterOnTeam, method: list, url: reviewsURL, status: 200, see: []string{"reviewmine00001", `"totalItems":1`}, notSee: []string{ReviewOne}},
		{name: "reviews of the whole candidate stay hidden from those who rated only answers", given: []fixture{review(overallReviewer, Recruiter, CandidateOne, "", 3)},
			as: Reviewer, method: list, url: reviewsURL, status: 200, see: []string{ReviewOne, `"totalItems":1`}, notSee: []string{overallReviewer}},
		{name: "until they review the whole candidate too", given: []fixture{review(overallReviewer, Recruiter, CandidateOne, "", 3), review("reviewmine00001", Reviewer, CandidateOne, "", 4)},
			as: Reviewer, method: list, url: reviewsURL, status: 200, see: []string{ReviewOne, overallReviewer, "reviewmine00001", `"totalItems":3`}},
		{name: "a review of another candidate as a whole reveals nothing", given: []fixture{thirdCand, review(overallReviewer, Recruiter, CandidateOne, "", 3), review("reviewmine00001", Reviewer, candidateThree, "", 4)},
			as: Reviewer, method: list, url: reviewsURL, status: 200, notSee: []string{overallReviewer}},

		{name: "other interviews stay invisible to a rater", as: Reviewer, method: list, url: reviewsURL, status: 200, notSee: []string{ReviewTwo}},
		{name: "and their reviews cannot be opened", as: Reviewer, method: list, url: reviewsURL + "/" + ReviewTwo, status: 404},
		{name: "another interview's owner sees only their own interview's", as: OtherRecruiter, method: list, url: reviewsURL, status: 200, see: []string{ReviewTwo}, notSee: []string{ReviewOne}},
		{name: "nor open one of them", as: OtherRecruiter, method: list, url: one, status: 404},
		{name: "a reviewer off every team sees nothing", as: OtherReviewer, method: list, url: reviewsURL, status: 200, see: []string{none}},
		{name: "anonymous sees nothing", as: "", method: list, url: reviewsURL, status: 200, see: []string{none}},
		{name: "taken off the team, a rater no longer sees even their own", given: []fixture{reviewerOff}, as: Reviewer, method: list, url: reviewsURL, status: 200, see: []string{none}},

		{name: "an admin off the team sees every review", as: Admin, method: list, url: reviewsURL, status: 200, see: []string{ReviewOne, ReviewTwo}},
		{name: "an admin on the team is blind like the team", given: []fixture{adminOnTeam}, as: Admin, method: list, url: reviewsURL, status: 200, see: []string{ReviewTwo}, notSee: []string{ReviewOne}},
		{name: "until they rate", given: []fixture{adminOnTeam, review("reviewmine00001", Admin, CandidateOne, AnswerOne, 1)}, as: Admin, method: list, url: one, status: 200, see: []string{ReviewOne}},
		{name: "an admin who owns the interview is blind too", given: []fixture{adminOwnsTwo}, as: Admin, method: list, url: reviewsURL + "/" + ReviewTwo, status: 404},

		// a filter or an expand from another collection must not peek at hidden ratings
		{name: "a filter on answers cannot test hidden ratings", as: RecruiterOnTeam, method: list,
			url: "/api/collections/answers/records?filter=" + url.QueryEscape(`reviews_via_answer.rating ?= 4`), status: 200, see: []string{none}},
		{name: "the same filter works once rated", given: []fixture{review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)}, as: RecruiterOnTeam, method: list,
			url: "/api/collections/answers/records?filter=" + url.QueryEscape(`reviews_via_answer.rating ?= 4`), status: 200, see: []string{AnswerOne}},
		{name: "a filter on candidates cannot test hidden ratings", as: Recruiter, method: list,
			url: "/api/collections/candidates/records?filter=" + url.QueryEscape(`reviews_via_candidate.rating ?= 4`), status: 200, see: []string{none}},
		{name: "an expand of answers does not show hidden reviews", as: RecruiterOnTeam, method: list,
			url: "/api/collections/answers/records/" + AnswerOne + "?expand=reviews_via_answer", status: 200, see: []string{AnswerOne}, notSee: []string{ReviewOne, `"rating"`}},
	})
}

// One review per person and answer (and per person and candidate as a whole), in their own name, rating 1-5.
func TestReviewWrites(t *testing.T) {
	one := reviewsURL + "/" + ReviewOne
	body := func(candidate, answer, author, rest string) string {
		return `{"candidate":"` + candidate + `","answer":"` + answer + `","author":"` + author + `"` + rest + `}`
	}
	runReviews(t, []rv{
		{name: "a team member rates an answer", as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":3,"comment":"Good"`), status: 200, see: []string{`"rating":3`, `"comment":"Good"`}},
		{name: "the comment is optional", as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":3`), status: 200, see: []string{`"rating":3`}},
		{name: "the rating is not", as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"comment":"Good"`), status: 400, see: []string{`"rating"`, "validation_required"}},
		{name: "a rating of 0 is refused", as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":0`), status: 400, see: []string{`"rating"`}},
		{name: "a rating of 6 is refused", as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":6`), status: 400, see: []string{`"rating"`}},
		{name: "a rating of 3.5 is refused", as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, RecruiterOnTeam, `,"rating":3.5`), status: 400, see: []string{`"rating"`}},
		{name: "a second review of the same answer is refused, saying what to do", as: Reviewer, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, Reviewer, `,"rating":5`), status: 400,
			see: []string{"You have already reviewed this answer", "records/" + ReviewOne}},
		{name: "the candidate as a whole is reviewed once per person", given: []fixture{review(overallReviewer, Reviewer, CandidateOne, "", 3)}, as: Reviewer, method: "POST", url: reviewsURL, body: body(CandidateOne, "", Reviewer, `,"rating":5`), status: 400,
			see: []string{"You have already reviewed this candidate as a whole", "records/" + overallReviewer}},
		{name: "a review of the whole candidate besides the answer's", as: Reviewer, method: "POST", url: reviewsURL, body: body(CandidateOne, "", Reviewer, `,"rating":5`), status: 200, see: []string{`"answer":""`}},
		{name: "nobody rates in another's name", as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, Recruiter, `,"rating":5`), status: 400},
		{name: "a review pairs an answer with its own candidate", given: []fixture{thirdCand, thirdAnswer}, as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, answerThree, RecruiterOnTeam, `,"rating":5`), status: 400},
		{name: "nor with another interview's answer", as: Admin, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerTwo, Admin, `,"rating":5`), status: 400},
		{name: "a take that was not submitted is not rated", given: []fixture{unsentAnswer}, as: RecruiterOnTeam, method: "POST", url: reviewsURL, body: body(CandidateOne, answerUnsent, RecruiterOnTeam, `,"rating":5`), status: 400},
		{name: "a reviewer off the team cannot rate", as: OtherReviewer, method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, OtherReviewer, `,"rating":5`), status: 400},
		{name: "a recruiter cannot rate another team's candidate", as: Recruiter, method: "POST", url: reviewsURL, body: body(CandidateTwo, AnswerTwo, Recruiter, `,"rating":5`), status: 400},
		{name: "an admin rates any candidate", as: Admin, method: "POST", url: reviewsURL, body: body(CandidateTwo, AnswerTwo, Admin, `,"rating":5`), status: 200},
		{name: "anonymous cannot rate", as: "", method: "POST", url: reviewsURL, body: body(CandidateOne, AnswerOne, Reviewer, `,"rating":5`), status: 400},

		{name: "the author changes their rating", as: Reviewer, method: "PATCH", url: one, body: `{"rating":5,"comment":""}`, status: 200, see: []string{`"rating":5`, `"comment":""`}},
		{name: "not to 0", as: Reviewer, method: "PATCH", url: one, body: `{"rating":0}`, status: 400, see: []string{`"rating"`}},
		{name: "nor to another answer", given: []fixture{spareAnswer}, as: Reviewer, method: "PATCH", url: one, body: `{"answer":"` + answerSpare + `"}`, status: 404},
		{name: "nor into another's name", as: Reviewer, method: "PATCH", url: one, body: `{"author":"` + RecruiterOnTeam + `"}`, status: 404},
		{name: "others cannot edit it, even after rating", given: []fixture{review("reviewmine00001", RecruiterOnTeam, CandidateOne, AnswerOne, 2)}, as: RecruiterOnTeam, method: "PATCH", url: one, body: `{"rating":1}`, status: 404},
		{name: "an admin cannot edit someone's review", as: Admin, method: "PATCH", url: one, body: `{"comment":"Bad"}`, status: 404},
		{name: "off the team, the author cannot edit it any more", given: []fixture{reviewerOff}, as: Reviewer, method: "PATCH", url: one, body: `{"rating":1}`, status: 404},
		{name: "anonymous cannot edit", as: "", method: "PATCH", url: one, body: `{"rating":1}`, status: 404},
		{name: "others cannot delete it", given: []fixture{review("reviewmine00001", Recruiter, CandidateOne, AnswerOne, 2)}, as: Recruiter, method: "DELETE", url: one, status: 404},
		{name: "anonymous cannot delete it", as: "", method: "DELETE", url: one, status: 404},
		{name: "the author deletes it", as: Reviewer, method: "DELETE", url: one, status: 204},
		{name: "an admin removes any review", as: Admin, method: "DELETE", url: one, status: 204},
	})
}
