// Package invite emails candidates their personal link: the invitation when the team adds them (and again on
// request), and a reminder a day or two before their deadline. Whether an invitation went out is kept on the
// candidate (invite_status, invite_error), so the team sees "not sent", with the reason and a retry, instead of a
// candidate who silently never heard from them.
package invite

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/mail"
	"github.com/takeone/takeone/pb_migrations"
)

// RemindBefore is how long before the deadline the reminder goes out (checked every hour).
const RemindBefore = 48 * time.Hour

// remindSchedule runs the reminder check every hour, at a minute nothing else uses.
const remindSchedule = "23 * * * *"

// Link is a candidate's personal interview link.
func Link(publicURL string, cand *core.Record) string {
	return publicURL + "/i/" + cand.GetString("token")
}

// Send emails the candidate their invitation now and records the outcome on the candidate. The error says, for
// a person, why it was not sent.
func Send(app core.App, cand *core.Record, publicURL string) error {
	interview, err := app.FindRecordById(pb_migrations.Interviews, cand.GetString("interview"))
	if err != nil {
		return fmt.Errorf("the candidate's interview is gone: %w", err)
	}
	questions, _ := app.CountRecords(pb_migrations.Questions, dbx.HashExp{"interview": interview.Id})
	title := interview.GetString("title")
	text := fmt.Sprintf("Hello %s,\n\nyou are invited to a video interview for %s. You answer %d question%s on video, in your "+
		"own time, from a computer or a phone with a camera. You can try a practice question first.\n\n"+
		"Open your personal link to start:\n%s\n\n", cand.GetString("name"), title, questions, plural(questions), Link(publicURL, cand))
	if d := cand.GetDateTime("deadline"); !d.IsZero() {
		text += "Please complete it by " + when(d.Time()) + ".\n\n"
	}
	text += "The link is yours alone: please do not share it."
	sendErr := mail.Send(app, mail.Message{
		To:      []netmail.Address{{Name: cand.GetString("name"), Address: cand.GetString("email")}},
		Subject: "Your video interview for " + title,
		Text:    text,
	})
	return record(app, cand, sendErr)
}

// record keeps the outcome of an invitation on the candidate and returns the reason it failed.
func record(app core.App, cand *core.Record, sendErr error) error {
	reason := failure(sendErr)
	if err := setFields(app, cand, func(r *core.Record) { setOutcome(r, reason) }); err != nil {
		return fmt.Errorf("save the invitation's outcome: %w", err)
	}
	if reason != "" {
		return errors.New(reason)
	}
	return nil
}

// failure says, for the team, why an invitation was not sent; "" when it was.
func failure(sendErr error) string {
	switch {
	case errors.Is(sendErr, mail.ErrNoSMTP):
		return "No mail server is set up (smtp.host), so no email can go out. Copy the candidate's link and send it yourself."
	case sendErr != nil:
		return "The mail server did not take the email: " + sendErr.Error() + ". Check the SMTP settings, then send it again."
	}
	return ""
}

// setOutcome sets an invitation's outcome on a candidate: sent now, or failed for reason.
func setOutcome(r *core.Record, reason string) {
	if reason == "" {
		r.Set("invite_status", "sent")
		r.Set("invite_error", "")
		r.Set("invited_at", types.NowDateTime())
	} else {
		r.Set("invite_status", "failed")
		r.Set("invite_error", truncate(reason, 500))
	}
}

// setFields changes some of a candidate's fields on the newest copy of the record, in one transaction (PocketBase
// runs them one at a time): the team may have changed others while the email was on its way. cand gets the
// saved values.
func setFields(app core.App, cand *core.Record, change func(*core.Record)) error {
	return app.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById(pb_migrations.Candidates, cand.Id)
		if err != nil {
			return err
		}
		change(fresh)
		if err := tx.Save(fresh); err != nil {
			return err
		}
		cand.Load(fresh.FieldsData())
		return nil
	})
}

// Remind emails every candidate whose deadline is within RemindBefore, who has not finished, was invited by email
// and was not reminded yet, and returns how many got one.
func Remind(app core.App, publicURL string, now time.Time) (int, error) {
	format := func(t time.Time) string { return t.UTC().Format(types.DefaultDateLayout) }
	due, err := app.FindAllRecords(pb_migrations.Candidates,
		dbx.In("status", pb_migrations.CandidateInvited, pb_migrations.CandidateStarted),
		dbx.HashExp{"invite_status": "sent", "reminded_at": ""},
		dbx.NewExp("deadline > {:now} AND deadline <= {:soon}", dbx.Params{"now": format(now), "soon": format(now.Add(RemindBefore))}))
	if err != nil {
		return 0, fmt.Errorf("find candidates to remind: %w", err)
	}
	sent := 0
	for _, cand := range due {
		interview, err := app.FindRecordById(pb_migrations.Interviews, cand.GetString("interview"))
		if err != nil || pb_migrations.InterviewStatus(interview.GetString("status")) != pb_migrations.InterviewOpen {
			continue
		}
		title := interview.GetString("title")
		err = mail.Send(app, mail.Message{
			To:      []netmail.Address{{Name: cand.GetString("name"), Address: cand.GetString("email")}},
			Subject: "Reminder: your video interview for " + title,
			Text: fmt.Sprintf("Hello %s,\n\na reminder that your video interview for %s closes on %s.\n\n"+
				"Open your personal link to continue where you left off:\n%s", cand.GetString("name"), title,
				when(cand.GetDateTime("deadline").Time()), Link(publicURL, cand)),
		})
		if err != nil {
			app.Logger().Warn("a deadline reminder was not sent; the next hour tries again", "candidate", cand.Id, "error", err)
			continue
		}
		if err := setFields(app, cand, func(r *core.Record) { r.Set("reminded_at", types.NowDateTime()) }); err != nil {
			return sent, fmt.Errorf("save reminder of %s: %w", cand.Id, err)
		}
		sent++
	}
	return sent, nil
}

// Bind sends the invitation of every candidate the team adds (in the background: adding never waits for the mail
// server) and checks for due reminders every hour.
func Bind(app core.App, publicURL string, outbox *mail.Outbox) {
	// Without a mail server the outcome is known before the candidate is saved: it is saved with them and no
	// email job runs (a 10,000-row import would otherwise make 10,000 more writes).
	app.OnRecordCreate(pb_migrations.Candidates).BindFunc(func(e *core.RecordEvent) error {
		if !mail.Configured(e.App) {
			setOutcome(e.Record, failure(mail.ErrNoSMTP))
		}
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess(pb_migrations.Candidates).BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("invite_status") != "" {
			return e.Next() // its outcome is known already
		}
		// the event is reused by the hooks after this one: the send keeps only the app and the id
		id := e.Record.Id
		outbox.Go(func() {
			fresh, err := app.FindRecordById(pb_migrations.Candidates, id)
			if err != nil {
				return // deleted meanwhile
			}
			if err := Send(app, fresh, publicURL); err != nil {
				app.Logger().Warn("an invitation was not sent", "candidate", id, "reason", err)
			}
		})
		return e.Next()
	})
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		app.Cron().MustAdd("takeoneReminders", remindSchedule, func() {
			if _, err := Remind(app, publicURL, time.Now()); err != nil {
				app.Logger().Error("deadline reminders failed; the next hour tries again", "error", err)
			}
		})
		return e.Next()
	})
}

// when says a moment for an email: "Monday, 30 November 2026, 17:00 UTC".
func when(t time.Time) string { return t.UTC().Format("Monday, 2 January 2006, 15:04 UTC") }

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-1], "") + "…"
}
