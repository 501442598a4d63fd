package teamapi

import (
	"errors"
	"fmt"
	"net/http"
	netmail "net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/internal/mail"
	"github.com/takeone/takeone/pb_migrations"
)

// bindDecisions adds the routes of the team's decisions: stage changes with their emails, and the export.
func bindDecisions(r *router.Router[*core.RequestEvent]) {
	r.POST("/api/takeone/candidates/{id}/stage", changeStage).Bind(apis.RequireAuth(), apis.BodyLimit(1<<20))
	r.GET("/api/takeone/candidates/{id}/stage-email", stageEmailTemplate).Bind(apis.RequireAuth())
	r.GET("/api/takeone/interviews/{id}/export.csv", exportCandidates).Bind(apis.RequireAuth())
}

// Limits of a feedback email written by the team.
const (
	maxSubjectChars = 200
	maxTextChars    = 10000
)

type stageEmail struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

type stageRequest struct {
	Stage pb_migrations.Stage `json:"stage"`
	Email *stageEmail         `json:"email"`
}

// stageResponse says what happened: the stage saved, and whether the email went out ("sent", "failed", or "none"
// when none was asked for).
type stageResponse struct {
	Stage pb_migrations.Stage `json:"stage"`
	Email string              `json:"email"`
}

// changeStage answers POST /api/takeone/candidates/{id}/stage for admins and recruiters on the interview: the
// candidate moves to the stage and, when an email is given, it goes to the candidate now. The stage is saved
// whether or not the email goes out; a failed email is a 502 whose message says so and what to do.
func changeStage(e *core.RequestEvent) error {
	candidate, err := invitable(e)
	if candidate == nil {
		return err
	}
	var req stageRequest
	if err := e.BindBody(&req); err != nil {
		return e.BadRequestError(`Send JSON: {"stage": "shortlisted", "email": {"subject": "...", "text": "..."}} (the email is optional).`, nil)
	}
	if fields := req.problems(); len(fields) > 0 {
		return e.JSON(http.StatusBadRequest, fieldErrors(firstProblem(fields), fields))
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById(pb_migrations.Candidates, candidate.Id)
		if err != nil {
			return err
		}
		fresh.Set("stage", req.Stage)
		if err := tx.Save(fresh); err != nil {
			return err
		}
		candidate = fresh
		return nil
	})
	if err != nil {
		return e.InternalServerError("The stage could not be saved; try again.", err)
	}
	if req.Email == nil {
		return e.JSON(http.StatusOK, stageResponse{Stage: req.Stage, Email: "none"})
	}
	err = mail.Send(e.App, mail.Message{
		To:      []netmail.Address{{Name: candidate.GetString("name"), Address: candidate.GetString("email")}},
		Subject: strings.TrimSpace(req.Email.Subject),
		Text:    strings.TrimSpace(req.Email.Text),
	})
	if err != nil {
		e.App.Logger().Warn("a stage email was not sent", "candidate", candidate.Id, "stage", req.Stage, "error", err)
		reason := "The mail server did not take it (" + err.Error() + "): check the candidate's email address and the SMTP settings, then send it again, or write to the candidate yourself."
		if errors.Is(err, mail.ErrNoSMTP) {
			reason = "No mail server is set up (smtp.host), so no email can go out: write to the candidate yourself, or ask an admin to set up SMTP."
		}
		return e.JSON(http.StatusBadGateway, map[string]any{
			"status":  http.StatusBadGateway,
			"message": fmt.Sprintf("The stage is saved (%s), but the email was not sent. %s", req.Stage, reason),
			"data":    map[string]any{},
			"stage":   req.Stage,
			"email":   "failed",
		})
	}
	return e.JSON(http.StatusOK, stageResponse{Stage: req.Stage, Email: "sent"})
}

// problems are the request's invalid fields with what to do about each.
func (r stageRequest) problems() map[string]string {
	fields := map[string]string{}
	if !slices.Contains(pb_migrations.Stages, r.Stage) {
		fields["stage"] = fmt.Sprintf("Unknown stage %q: use new, shortlisted, rejected or hired.", r.Stage)
	}
	if r.Email == nil {
		return fields
	}
	subject, text := strings.TrimSpace(r.Email.Subject), strings.TrimSpace(r.Email.Text)
	switch {
	case subject == "":
		fields["email.subject"] = "The email needs a subject (or leave the email out to change the stage without one)."
	case strings.ContainsAny(subject, "\r\n"):
		fields["email.subject"] = "Write the subject on one line."
	case utf8.RuneCountInString(subject) > maxSubjectChars:
		fields["email.subject"] = fmt.Sprintf("The subject has %d characters; shorten it to %d.", utf8.RuneCountInString(subject), maxSubjectChars)
	}
	switch n := utf8.RuneCountInString(text); {
	case text == "":
		fields["email.text"] = "The email needs a text (or leave the email out to change the stage without one)."
	case n > maxTextChars:
		fields["email.text"] = fmt.Sprintf("The email text has %d characters; shorten it to %d.", n, maxTextChars)
	}
	return fields
}

// firstProblem is the message of the first invalid field, in the request's order, for the error's message.
func firstProblem(fields map[string]string) string {
	for _, k := range []string{"stage", "email.subject", "email.text"} {
		if m, ok := fields[k]; ok {
			return m
		}
	}
	return "Check the highlighted fields."
}

// stageEmailTemplate answers GET /api/takeone/candidates/{id}/stage-email?stage=rejected with the default email
// for that stage, for the team to edit before it goes out: {"subject", "text"}, with the candidate's name, the
// interview's title and the caller's name filled in.
func stageEmailTemplate(e *core.RequestEvent) error {
	candidate, err := invitable(e)
	if candidate == nil {
		return err
	}
	stage := pb_migrations.Stage(e.Request.URL.Query().Get("stage"))
	if !slices.Contains(pb_migrations.Stages, stage) {
		return e.BadRequestError(fmt.Sprintf("Unknown stage %q: ask for ?stage=new, shortlisted, rejected or hired.", stage), nil)
	}
	interview, err := e.App.FindRecordById(pb_migrations.Interviews, candidate.GetString("interview"))
	if err != nil {
		return e.NotFoundError("No such candidate.", nil)
	}
	sender := ""
	if e.Auth != nil {
		sender = e.Auth.GetString("name")
	}
	return e.JSON(http.StatusOK, defaultStageEmail(stage, candidate.GetString("name"), interview.GetString("title"), sender))
}

// defaultStageEmail is the starting point of a stage's email: kind, short and plain, signed by the sender (or by
// the hiring team when the sender has no name).
func defaultStageEmail(stage pb_migrations.Stage, name, title, sender string) stageEmail {
	if strings.TrimSpace(sender) == "" {
		sender = "The hiring team"
	}
	greeting := "Hello " + name + ",\n\n"
	closing := "\n\nKind regards,\n" + sender
	switch stage {
	case pb_migrations.StageShortlisted:
		return stageEmail{
			Subject: "Your video interview for " + title + ": next steps",
			Text: greeting + "thank you for your video interview for " + title + ". We enjoyed your answers and would like " +
				"to invite you to the next step of our process.\n\nWe will be in touch shortly with the details." + closing,
		}
	case pb_migrations.StageRejected:
		return stageEmail{
			Subject: "Your application for " + title,
			Text: greeting + "thank you for taking the time to record your video interview for " + title + ". We appreciate " +
				"the care you put into your answers.\n\nAfter careful consideration, we have decided not to move forward " +
				"with your application. This was not an easy decision, and it is no judgement of your potential.\n\n" +
				"We wish you every success in your search." + closing,
		}
	case pb_migrations.StageHired:
		return stageEmail{
			Subject: "Good news about " + title,
			Text: greeting + "we are delighted to offer you the position you interviewed for (" + title + "). " +
				"Congratulations!\n\nWe will contact you shortly with the details of the offer and the next steps." + closing,
		}
	default: // pb_migrations.StageNew
		return stageEmail{
			Subject: "Your video interview for " + title,
			Text: greeting + "thank you for your video interview for " + title + ". We have received your answers and the " +
				"team is reviewing them. We will get back to you as soon as we can." + closing,
		}
	}
}
