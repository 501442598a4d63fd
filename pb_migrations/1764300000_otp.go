package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Sign-in codes by email (OTP) for the team: an alternative to the password, and the second step when an operator
// turns on multi-factor authentication for the users collection in /_/ (the web app handles both).
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(Users)
		if err != nil {
			return err
		}
		users.OTP.Enabled = true
		users.OTP.Duration = 300
		users.OTP.Length = 8
		users.OTP.EmailTemplate = core.EmailTemplate{
			Subject: "Your sign-in code for {APP_NAME}",
			Body: "<p>Hello,</p><p>your sign-in code is <strong>{OTP}</strong>. It works for 5 minutes.</p>" +
				"<p>If you did not ask for it, ignore this email: nobody can sign in without the code.</p>",
		}
		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId(Users)
		if err != nil {
			return err
		}
		users.OTP.Enabled = false
		return app.Save(users)
	})
}
