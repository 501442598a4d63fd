// Package pb_migrations creates Takeone's collections, fields, indexes and API rules, and names the collections
// and the values of their select fields (values.go) for the rest of the Go code.
//
// The rules are the server's whole access policy: an admin sees everything; recruiters and reviewers see the
// interviews whose team holds them (or that they own) and what hangs below; only admins and recruiters change
// interviews and invite; reviewers read and review. Candidates are not users: their token is handled by the
// candidate routes, never by these collections.
package pb_migrations

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Collection names, for the rest of the code.
const (
	Users            = "users"
	Interviews       = "interviews"
	Questions        = "questions"
	LibraryQuestions = "library_questions"
	Candidates       = "candidates"
	Answers          = "answers"
	Reviews          = "reviews"
)

// MaxVideoBytes bounds one uploaded or recorded video: 4 GiB, hours of a browser's 2.5 Mbit/s stream.
const MaxVideoBytes = 4 << 30

// MinPasswordLength is enforced by the users collection for every team member.
const MinPasswordLength = 10

// Rule building blocks. Each names who it lets through.
const (
	signedIn    = `@request.auth.collectionName = "users"`
	admin       = `@request.auth.role = "` + string(RoleAdmin) + `"`
	recruiter   = `@request.auth.role = "` + string(RoleRecruiter) + `"`
	manageRoles = `(` + admin + ` || ` + recruiter + `)`
)

// onTeam lets through a signed-in member of the team of the interview reached by path: "" for an interview
// itself, "interview" for a question or candidate, "candidate.interview" for an answer or review.
func onTeam(path string) string {
	if path != "" {
		path += "."
	}
	return fmt.Sprintf(`(@request.auth.id != "" && (%sowner = @request.auth.id || %steam.id ?= @request.auth.id))`, path, path)
}

func anyOf(rules ...string) *string { return types.Pointer("(" + strings.Join(rules, " || ") + ")") }
func allOf(rules ...string) string  { return "(" + strings.Join(rules, " && ") + ")" }
func rule(expr string) *string      { return types.Pointer(expr) }
func minimum(v float64) *float64    { return types.Pointer(v) }
func maximum(v float64) *float64    { return types.Pointer(v) }

var videoTypes = []string{"video/webm", "video/mp4", "video/quicktime", "video/ogg"}

func init() {
	m.Register(up, down)
}

func up(app core.App) error {
	users, err := app.FindCollectionByNameOrId(Users)
	if err != nil {
		return fmt.Errorf("find users collection: %w", err)
	}
	setupUsers(users)
	if err := app.Save(users); err != nil {
		return fmt.Errorf("save users: %w", err)
	}

	interviews := core.NewBaseCollection(Interviews)
	interviews.Fields.Add(
		&core.TextField{Name: "title", Required: true, Max: 200},
		&core.TextField{Name: "description", Max: 5000},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: selectValues(InterviewStatuses)},
		&core.TextField{Name: "welcome_text", Max: 5000},
		&core.FileField{Name: "welcome_video", MaxSelect: 1, MaxSize: MaxVideoBytes, MimeTypes: videoTypes},
		&core.TextField{Name: "closing_text", Max: 5000},
		&core.TextField{Name: "brand_color", Pattern: `^#[0-9a-fA-F]{6}$`},
		&core.FileField{Name: "logo", MaxSelect: 1, MaxSize: 2 << 20, MimeTypes: []string{"image/png", "image/jpeg", "image/svg+xml", "image/webp"}},
		&core.NumberField{Name: "deadline_days", OnlyInt: true, Min: minimum(1), Max: maximum(365.0)},
		&core.RelationField{Name: "team", CollectionId: users.Id, MaxSelect: 200},
		&core.RelationField{Name: "owner", CollectionId: users.Id, MaxSelect: 1, Required: true},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	interviews.ListRule = anyOf(admin, onTeam(""))
	interviews.ViewRule = interviews.ListRule
	interviews.CreateRule = anyOf(admin, allOf(recruiter, "owner = @request.auth.id"))
	// a recruiter on the team edits; only the owner (or an admin) hands the interview to someone else
	interviews.UpdateRule = anyOf(admin, allOf(recruiter, onTeam(""), "(@request.body.owner:changed = false || owner = @request.auth.id)"))
	interviews.DeleteRule = anyOf(admin, allOf(recruiter, "owner = @request.auth.id"))
	interviews.AddIndex("idx_interviews_status", false, "status, created", "")
	interviews.AddIndex("idx_interviews_owner", false, "owner", "")
	if err := app.Save(interviews); err != nil {
		return fmt.Errorf("save interviews: %w", err)
	}

	questions := core.NewBaseCollection(Questions)
	questions.Fields.Add(
		&core.RelationField{Name: "interview", CollectionId: interviews.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.NumberField{Name: "position", OnlyInt: true, Min: minimum(0)},
		&core.TextField{Name: "prompt", Max: 2000},
		&core.FileField{Name: "video", MaxSelect: 1, MaxSize: MaxVideoBytes, MimeTypes: videoTypes},
		&core.NumberField{Name: "answer_seconds", OnlyInt: true, Required: true, Min: minimum(10), Max: maximum(4 * 3600)},
		&core.NumberField{Name: "think_seconds", OnlyInt: true, Min: minimum(0), Max: maximum(600.0)},
		&core.NumberField{Name: "retakes", OnlyInt: true, Min: minimum(0), Max: maximum(10.0)},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	questions.ListRule = anyOf(admin, onTeam("interview"))
	questions.ViewRule = questions.ListRule
	questions.CreateRule = anyOf(admin, allOf(recruiter, onTeam("interview")))
	questions.UpdateRule = anyOf(admin, allOf(recruiter, onTeam("interview"), "@request.body.interview:changed = false"))
	questions.DeleteRule = anyOf(admin, allOf(recruiter, onTeam("interview")))
	questions.AddIndex("idx_questions_interview_position", false, "interview, position", "")
	if err := app.Save(questions); err != nil {
		return fmt.Errorf("save questions: %w", err)
	}

	library := core.NewBaseCollection(LibraryQuestions)
	library.Fields.Add(
		&core.TextField{Name: "prompt", Required: true, Max: 2000},
		&core.TextField{Name: "category", Max: 100},
		&core.NumberField{Name: "answer_seconds", OnlyInt: true, Required: true, Min: minimum(10), Max: maximum(4 * 3600)},
		&core.NumberField{Name: "think_seconds", OnlyInt: true, Min: minimum(0), Max: maximum(600.0)},
		&core.NumberField{Name: "retakes", OnlyInt: true, Min: minimum(0), Max: maximum(10.0)},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	library.ListRule = rule(signedIn)
	library.ViewRule = rule(signedIn)
	library.CreateRule = rule(manageRoles)
	library.UpdateRule = rule(manageRoles)
	library.DeleteRule = rule(manageRoles)
	library.AddIndex("idx_library_questions_category", false, "category, prompt", "")
	if err := app.Save(library); err != nil {
		return fmt.Errorf("save library_questions: %w", err)
	}

	candidates := core.NewBaseCollection(Candidates)
	candidates.Fields.Add(
		&core.RelationField{Name: "interview", CollectionId: interviews.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.TextField{Name: "name", Required: true, Max: 200},
		&core.EmailField{Name: "email", Required: true},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: selectValues(CandidateStatuses)},
		&core.SelectField{Name: "stage", Required: true, MaxSelect: 1, Values: selectValues(Stages)},
		&core.DateField{Name: "deadline"},
		&core.NumberField{Name: "extra_time_percent", OnlyInt: true, Min: minimum(0), Max: maximum(300.0)},
		&core.DateField{Name: "consent_at"},
		&core.DateField{Name: "started_at"},
		&core.DateField{Name: "completed_at"},
		// the candidate's only key: hidden from the API, set by the server (hooks), 256 random bits
		&core.TextField{Name: "token", Hidden: true, Required: true, Min: 43, Max: 43, Pattern: `^[A-Za-z0-9_-]{43}$`},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	candidates.ListRule = anyOf(admin, onTeam("interview"))
	candidates.ViewRule = candidates.ListRule
	candidates.CreateRule = anyOf(admin, allOf(recruiter, onTeam("interview")))
	candidates.UpdateRule = anyOf(admin, allOf(recruiter, onTeam("interview"), "@request.body.interview:changed = false"))
	candidates.DeleteRule = anyOf(admin, allOf(recruiter, onTeam("interview")))
	candidates.AddIndex("idx_candidates_token", true, "token", "")
	candidates.AddIndex("idx_candidates_interview_email", true, "interview, email COLLATE NOCASE", "")
	candidates.AddIndex("idx_candidates_interview_status", false, "interview, status, completed_at", "")
	candidates.AddIndex("idx_candidates_interview_stage", false, "interview, stage", "")
	candidates.AddIndex("idx_candidates_deadline", false, "status, deadline", "")
	if err := app.Save(candidates); err != nil {
		return fmt.Errorf("save candidates: %w", err)
	}

	answers := core.NewBaseCollection(Answers)
	answers.Fields.Add(
		&core.RelationField{Name: "candidate", CollectionId: candidates.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "question", CollectionId: questions.Id, MaxSelect: 1, Required: true},
		&core.NumberField{Name: "take", OnlyInt: true, Required: true, Min: minimum(1)},
		&core.FileField{Name: "video", MaxSelect: 1, MaxSize: MaxVideoBytes, MimeTypes: []string{"video/webm"}, Protected: true},
		&core.NumberField{Name: "duration_ms", OnlyInt: true, Min: minimum(0)},
		&core.NumberField{Name: "size_bytes", OnlyInt: true, Min: minimum(0)},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: selectValues(AnswerStatuses)},
		&core.BoolField{Name: "submitted"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	// answers are written by the recorder only; the team reads them, and admins or recruiters may delete one
	answers.ListRule = anyOf(admin, onTeam("candidate.interview"))
	answers.ViewRule = answers.ListRule
	answers.DeleteRule = anyOf(admin, allOf(recruiter, onTeam("candidate.interview")))
	answers.AddIndex("idx_answers_candidate_question_take", true, "candidate, question, take", "")
	answers.AddIndex("idx_answers_status", false, "status", "")
	if err := app.Save(answers); err != nil {
		return fmt.Errorf("save answers: %w", err)
	}

	reviews := core.NewBaseCollection(Reviews)
	reviews.Fields.Add(
		&core.RelationField{Name: "candidate", CollectionId: candidates.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "answer", CollectionId: answers.Id, MaxSelect: 1, CascadeDelete: true},
		&core.RelationField{Name: "author", CollectionId: users.Id, MaxSelect: 1, Required: true},
		&core.NumberField{Name: "rating", OnlyInt: true, Min: minimum(1), Max: maximum(5.0)},
		&core.TextField{Name: "comment", Max: 5000},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	reviews.ListRule = anyOf(admin, onTeam("candidate.interview"))
	reviews.ViewRule = reviews.ListRule
	// everyone on the team reviews, in their own name only
	reviews.CreateRule = rule(allOf(signedIn, "author = @request.auth.id", "("+admin+" || "+onTeam("candidate.interview")+")"))
	reviews.UpdateRule = rule(allOf("author = @request.auth.id", "@request.body.author:changed = false", "@request.body.candidate:changed = false", "@request.body.answer:changed = false"))
	reviews.DeleteRule = anyOf(admin, "author = @request.auth.id")
	reviews.AddIndex("idx_reviews_candidate_author", false, "candidate, author", "")
	reviews.AddIndex("idx_reviews_answer_author", true, "answer, author", "answer != ''")
	if err := app.Save(reviews); err != nil {
		return fmt.Errorf("save reviews: %w", err)
	}

	return seedSettings(app)
}

// setupUsers turns PocketBase's default users collection into the team directory with roles.
func setupUsers(users *core.Collection) {
	users.Fields.Add(&core.SelectField{Name: "role", Required: true, MaxSelect: 1, Values: selectValues(Roles)})
	if f, ok := users.Fields.GetByName("name").(*core.TextField); ok {
		f.Required = true
	}
	if f, ok := users.Fields.GetByName("password").(*core.PasswordField); ok {
		f.Min = MinPasswordLength
	}
	// the team sees each other (to pick a team); only admins add, change or remove people
	users.ListRule = rule(signedIn)
	users.ViewRule = rule(signedIn)
	users.CreateRule = rule(admin)
	users.UpdateRule = anyOf(admin, allOf("id = @request.auth.id", "@request.body.role:changed = false"))
	users.DeleteRule = rule(admin)
	users.ManageRule = rule(admin)
	users.OAuth2.Enabled = false
	users.PasswordAuth.Enabled = true
	users.PasswordAuth.IdentityFields = []string{"email"}
	users.AddIndex("idx_users_role", false, "role", "")
}

// seedSettings names the app and turns the rate limiter on for sign-in and the candidate routes.
func seedSettings(app core.App) error {
	s := app.Settings()
	s.Meta.AppName = "Takeone"
	s.RateLimits.Enabled = true
	s.RateLimits.Rules = append(s.RateLimits.Rules,
		core.RateLimitRule{Label: "/api/takeone/session/", MaxRequests: 60, Duration: 10},
		core.RateLimitRule{Label: "/api/takeone/setup/", MaxRequests: 10, Duration: 60},
	)
	return app.Save(s)
}

func down(app core.App) error {
	for _, name := range []string{Reviews, Answers, Candidates, LibraryQuestions, Questions, Interviews} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			return fmt.Errorf("delete %s: %w", name, err)
		}
	}
	return nil
}
