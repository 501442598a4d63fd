// Package candidate finds a candidate by the secret token of their link and says whether that link may still
// record. Every route of the candidate's page uses it, so they all answer a link the same way.
package candidate

import (
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/pb_migrations"
)

// TokenLength is the length of a link token: 256 bits in unpadded base64url.
const TokenLength = 43

// ErrUnknown is returned for a token that belongs to no candidate.
var ErrUnknown = errors.New("this interview link is not valid")

// UnknownMessage is what a candidate is told about a link that opens nothing.
const UnknownMessage = "This interview link is not valid. Check that you opened the whole link from your invitation."

// ByToken finds the candidate whose link carries token.
func ByToken(app core.App, token string) (*core.Record, error) {
	if len(token) != TokenLength {
		return nil, ErrUnknown
	}
	r, err := app.FindFirstRecordByData(pb_migrations.Candidates, "token", token)
	if err != nil {
		return nil, ErrUnknown
	}
	return r, nil
}

// State is where a candidate's link stands.
type State string

const (
	Open      State = "open"      // they may answer
	Completed State = "completed" // they submitted the interview
	Expired   State = "expired"   // the deadline passed, or the recruiter marked it so
	Withdrawn State = "withdrawn" // the recruiter withdrew the invitation
	Closed    State = "closed"    // the interview is not open (draft or closed)
)

// Messages say to the candidate what each closed state means and what to do.
var messages = map[State]string{
	Completed: "You have completed this interview. Thank you!",
	Expired:   "This interview link has expired. Contact the recruiter to ask for more time.",
	Withdrawn: "This invitation was withdrawn. Contact the recruiter if you think this is a mistake.",
	Closed:    "This interview is not open for answers. Contact the recruiter.",
}

// Message is what the candidate is told about a closed link; "" for an open one.
func (s State) Message() string { return messages[s] }

// StateOf says whether the candidate may still record, given their interview record.
func StateOf(candidate, interview *core.Record, now time.Time) State {
	switch pb_migrations.CandidateStatus(candidate.GetString("status")) {
	case pb_migrations.CandidateCompleted:
		return Completed
	case pb_migrations.CandidateExpired:
		return Expired
	case pb_migrations.CandidateWithdrawn:
		return Withdrawn
	}
	if d := candidate.GetDateTime("deadline"); !d.IsZero() && d.Time().Before(now) {
		return Expired
	}
	if interview == nil || pb_migrations.InterviewStatus(interview.GetString("status")) != pb_migrations.InterviewOpen {
		return Closed
	}
	return Open
}

// Interview finds the candidate's interview; nil when it is gone.
func Interview(app core.App, candidate *core.Record) *core.Record {
	r, err := app.FindRecordById(pb_migrations.Interviews, candidate.GetString("interview"))
	if err != nil {
		return nil
	}
	return r
}
