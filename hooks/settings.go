package hooks

import (
	"fmt"
	"net/mail"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/config"
)

// seedSettings makes PocketBase's settings follow the config file at every start: the public URL that links in
// emails use and, when smtp.host is set, the mail server.
func seedSettings(app core.App, cfg *config.Config) error {
	s := app.Settings()
	s.Meta.AppURL = cfg.Server.PublicURL
	if cfg.SMTP.Host != "" {
		from, err := mail.ParseAddress(cfg.SMTP.Sender)
		if err != nil {
			return fmt.Errorf("smtp.sender: %w", err)
		}
		s.Meta.SenderAddress = from.Address
		s.Meta.SenderName = from.Name
		if s.Meta.SenderName == "" {
			s.Meta.SenderName = "Takeone"
		}
		s.SMTP.Enabled = true
		s.SMTP.Host = cfg.SMTP.Host
		s.SMTP.Port = cfg.SMTP.Port
		s.SMTP.Username = cfg.SMTP.Username
		s.SMTP.Password = cfg.SMTP.Password
		s.SMTP.TLS = cfg.SMTP.Port == 465 // implicit TLS; other ports upgrade with STARTTLS
	}
	if err := app.Save(s); err != nil {
		return fmt.Errorf("save settings from the config: %w", err)
	}
	return nil
}
