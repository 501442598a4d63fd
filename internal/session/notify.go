package session

import (
	"errors"
	netmail "net/mail"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/mail"
	"github.com/takeone/takeone/pb_migrations"
)

// notifyCompleted sends, in the background, the candidate's confirmation (when they gave an email) and the
// team's notice that a candidate completed. A failed email is logged; the completion itself stands.
func (s *Session) notifyCompleted(app core.App, cand, interview *core.Record) {
	title := interview.GetString("title")
	var msgs []mail.Message
	if email := cand.GetString("email"); email != "" {
		msgs = append(msgs, mail.Message{
			To:      []netmail.Address{{Name: cand.GetString("name"), Address: email}},
			Subject: "Your interview for " + title + " is complete",
			Text: "Hello " + cand.GetString("name") + ",\n\n" +
				"thank you: we received every answer of your interview for " + title + ". " +
				"The team will review them and get back to you.\n\n" +
				"You do not need to do anything else.",
		})
	}
	if team := teamAddresses(app, interview); len(team) > 0 {
		msgs = append(msgs, mail.Message{
			To:      team,
			Subject: cand.GetString("name") + " completed the interview for " + title,
			Text: cand.GetString("name") + " submitted every answer of the interview for " + title + ".\n\n" +
				"Review them in Takeone:\n" + s.cfg.PublicURL + "/interviews/" + interview.Id + "/candidates/" + cand.Id,
		})
	}
	s.cfg.Outbox.Go(func() {
		for _, m := range msgs {
			if err := mail.Send(app, m); err != nil && !errors.Is(err, mail.ErrNoSMTP) {
				app.Logger().Error("an email about a completed interview was not sent", "subject", m.Subject, "error", err)
			}
		}
	})
}

// teamAddresses are the emails of the interview's owner and team.
func teamAddresses(app core.App, interview *core.Record) []netmail.Address {
	ids := append([]string{interview.GetString("owner")}, interview.GetStringSlice("team")...)
	users, err := app.FindRecordsByIds(pb_migrations.Users, ids)
	if err != nil {
		return nil
	}
	out := make([]netmail.Address, 0, len(users))
	for _, u := range users {
		if email := u.GetString("email"); email != "" {
			out = append(out, netmail.Address{Name: u.GetString("name"), Address: email})
		}
	}
	return out
}
