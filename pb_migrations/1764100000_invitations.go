package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Invitation fields, beyond the contract: whether the invitation email went out (the team sees "not sent" with
// the reason, and a retry), and when the deadline reminder was sent. Set by the server only.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(Candidates)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: "invite_status", MaxSelect: 1, Values: []string{"sent", "failed"}},
			&core.TextField{Name: "invite_error", Max: 500},
			&core.DateField{Name: "invited_at"},
			&core.DateField{Name: "reminded_at"},
		)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(Candidates)
		if err != nil {
			return err
		}
		for _, f := range []string{"invite_status", "invite_error", "invited_at", "reminded_at"} {
			c.Fields.RemoveByName(f)
		}
		return app.Save(c)
	})
}
