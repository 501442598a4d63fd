package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Reviews are blind until you have rated: a team member sees the others' reviews of an answer (or, for a review of
// the whole candidate, the others' reviews of that candidate) only once they have written their own, so the first
// ratings they read do not anchor theirs. They always see their own.
//
// Admins: an admin on the interview's team (its owner or a member) rates like everyone on it, so the same rule holds
// for them; an admin off the team oversees the interview without rating in it, and sees every review. An admin who
// rates an interview they are not on does see the others' ratings first; joining the team makes them blind too.
//
// Each person writes one review per answer and one review of the candidate as a whole (unique indexes; the hook in
// hooks/records.go answers a second one with a message that says to edit the first). A rating (1-5) is required,
// the comment optional. Realtime events of reviews are checked against the same list and view rules.
func init() {
	m.Register(func(app core.App) error {
		reviews, err := app.FindCollectionByNameOrId(Reviews)
		if err != nil {
			return fmt.Errorf("find reviews: %w", err)
		}
		if f, ok := reviews.Fields.GetByName("rating").(*core.NumberField); ok {
			f.Required = true
		}
		team := onTeam("candidate.interview")
		reviews.ListRule = anyOf(
			allOf(admin, offTeam("candidate.interview")),
			allOf(team, "("+ownReview+" || "+ratedSameAnswer+" || "+ratedSameCandidate+")"),
		)
		reviews.ViewRule = reviews.ListRule
		// in your own name, on a team you are on (admins: anywhere), of a submitted answer of that candidate
		reviews.CreateRule = rule(allOf(signedIn, ownReview, "("+admin+" || "+team+")",
			`(answer = "" || (answer.candidate = candidate && answer.submitted = true))`))
		reviews.UpdateRule = rule(allOf(ownReview, "("+admin+" || "+team+")", "@request.body.author:changed = false",
			"@request.body.candidate:changed = false", "@request.body.answer:changed = false"))
		// an admin may remove any review (an inappropriate comment); nobody edits another's words
		reviews.DeleteRule = anyOf(admin, ownReview)
		reviews.AddIndex("idx_reviews_candidate_author_overall", true, "candidate, author", "answer = ''")
		// the rule's join from an answer to its reviews cannot use the partial unique index on (answer, author):
		// without this one, listing 1,500 reviews took 0.7 s instead of 0.05 s
		reviews.AddIndex("idx_reviews_answer", false, "answer", "")
		if err := app.Save(reviews); err != nil {
			return fmt.Errorf("save reviews: %w", err)
		}
		return nil
	}, func(app core.App) error {
		reviews, err := app.FindCollectionByNameOrId(Reviews)
		if err != nil {
			return err
		}
		if f, ok := reviews.Fields.GetByName("rating").(*core.NumberField); ok {
			f.Required = false
		}
		team := onTeam("candidate.interview")
		reviews.ListRule = anyOf(admin, team)
		reviews.ViewRule = reviews.ListRule
		reviews.CreateRule = rule(allOf(signedIn, ownReview, "("+admin+" || "+team+")"))
		reviews.UpdateRule = rule(allOf(ownReview, "@request.body.author:changed = false", "@request.body.candidate:changed = false", "@request.body.answer:changed = false"))
		reviews.DeleteRule = anyOf(admin, ownReview)
		reviews.RemoveIndex("idx_reviews_candidate_author_overall")
		reviews.RemoveIndex("idx_reviews_answer")
		return app.Save(reviews)
	})
}

// Blind-review rule parts, for a review under the rule's record.
const (
	ownReview = `author = @request.auth.id`
	// the caller reviewed the same answer: the back relation from the answer to all its reviews
	ratedSameAnswer = `(answer != "" && answer.reviews_via_answer.author ?= @request.auth.id)`
	// the caller reviewed the same candidate as a whole: one joined review that is both theirs and answer-less
	ratedSameCandidate = `(answer = "" && candidate.reviews_via_candidate.author ?= @request.auth.id && candidate.reviews_via_candidate.answer ?= "")`
)

// offTeam lets through a caller who neither owns the interview reached by path nor is on its team (every member
// differs from the caller; true for an empty team). The complement of onTeam for a signed-in caller.
func offTeam(path string) string {
	return fmt.Sprintf(`(%[1]s.owner != @request.auth.id && %[1]s.team.id != @request.auth.id)`, path)
}
