package pb_migrations

// The values of the collections' select fields, for the migrations and the rest of the Go code. They are part of
// the public contract (docs/API.md): the web app and integrations send and compare the same strings.

// Role is a team member's role: the users collection's "role".
type Role string

const (
	RoleAdmin     Role = "admin"     // every interview, and the team itself
	RoleRecruiter Role = "recruiter" // changes the interviews they own or are on the team of, and invites to them
	RoleReviewer  Role = "reviewer"  // reads and reviews the interviews they are on the team of
)

// Roles are every role, the most powerful first.
var Roles = []Role{RoleAdmin, RoleRecruiter, RoleReviewer}

// InterviewStatus is where an interview stands: the interviews collection's "status".
type InterviewStatus string

const (
	InterviewDraft  InterviewStatus = "draft"  // being written; its links open nothing yet
	InterviewOpen   InterviewStatus = "open"   // candidates answer
	InterviewClosed InterviewStatus = "closed" // no more answers
)

// InterviewStatuses are every interview status, in the order an interview goes through them.
var InterviewStatuses = []InterviewStatus{InterviewDraft, InterviewOpen, InterviewClosed}

// CandidateStatus is where a candidate's interview stands: the candidates collection's "status".
type CandidateStatus string

const (
	CandidateInvited   CandidateStatus = "invited"   // has not recorded yet
	CandidateStarted   CandidateStatus = "started"   // has started a take
	CandidateCompleted CandidateStatus = "completed" // has submitted every answer
	CandidateExpired   CandidateStatus = "expired"   // the deadline passed, or the team marked it so
	CandidateWithdrawn CandidateStatus = "withdrawn" // the team withdrew the invitation
)

// CandidateStatuses are every candidate status, in the order a candidate goes through them.
var CandidateStatuses = []CandidateStatus{CandidateInvited, CandidateStarted, CandidateCompleted, CandidateExpired, CandidateWithdrawn}

// Stage is the team's hiring decision on a candidate: the candidates collection's "stage".
type Stage string

const (
	StageNew         Stage = "new"
	StageShortlisted Stage = "shortlisted"
	StageRejected    Stage = "rejected"
	StageHired       Stage = "hired"
)

// Stages are every stage, in the order the team moves through them.
var Stages = []Stage{StageNew, StageShortlisted, StageRejected, StageHired}

// AnswerStatus is how a take of a question went: the answers collection's "status".
type AnswerStatus string

const (
	AnswerRecording   AnswerStatus = "recording"   // live, or left by a crash until the next start repairs it
	AnswerComplete    AnswerStatus = "complete"    // ended by the candidate or the time limit
	AnswerInterrupted AnswerStatus = "interrupted" // cut short (a lost connection, a closed tab, a stop); what was said is kept
	AnswerFailed      AnswerStatus = "failed"      // nothing was recorded
)

// AnswerStatuses are every answer status, a take's first one first.
var AnswerStatuses = []AnswerStatus{AnswerRecording, AnswerComplete, AnswerInterrupted, AnswerFailed}

// selectValues are a select field's values, as PocketBase takes them.
func selectValues[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// AnswerSource says which copy of a take an answer's video is: the answers collection's "source".
type AnswerSource string

const (
	SourceLive   AnswerSource = "live"   // recorded by the server from the live stream
	SourceUpload AnswerSource = "upload" // the candidate's own full-quality copy, uploaded after Stop
)

// AnswerSources are every answer source.
var AnswerSources = []AnswerSource{SourceLive, SourceUpload}
