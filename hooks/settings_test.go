package hooks

import (
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/takeone/takeone/internal/config"
)

// The config file is the source of truth for the public URL and the mail server: each start writes them into
// PocketBase's settings; without smtp.host, the settings an operator made in /_/ stay.
func TestSeedSettingsFromConfig(t *testing.T) {
	for _, test := range []struct {
		name       string
		env        []string
		wantSMTP   bool
		wantSender string
		wantName   string
		wantTLS    bool
	}{
		{"no smtp", []string{"TAKEONE_SERVER_PUBLIC_URL=https://jobs.example.com/"}, false, "", "", false},
		{"starttls", []string{"TAKEONE_SMTP_HOST=mail.example.com", "TAKEONE_SMTP_SENDER=Hiring Team <jobs@example.com>", "TAKEONE_SMTP_USERNAME=u", "TAKEONE_SMTP_PASSWORD=p"}, true, "jobs@example.com", "Hiring Team", false},
		{"implicit tls", []string{"TAKEONE_SMTP_HOST=mail.example.com", "TAKEONE_SMTP_PORT=465", "TAKEONE_SMTP_SENDER=jobs@example.com"}, true, "jobs@example.com", "Takeone", true},
	} {
		t.Run(test.name, func(t *testing.T) {
			cfg, err := config.Load(config.Flags{}, test.env)
			if err != nil {
				t.Fatal(err)
			}
			app, err := tests.NewTestApp(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer app.Cleanup()
			if err := seedSettings(app, cfg); err != nil {
				t.Fatal(err)
			}
			s := app.Settings()
			if s.Meta.AppURL != cfg.Server.PublicURL {
				t.Errorf("app url %q, want %q", s.Meta.AppURL, cfg.Server.PublicURL)
			}
			if s.SMTP.Enabled != test.wantSMTP {
				t.Fatalf("smtp enabled = %v", s.SMTP.Enabled)
			}
			if !test.wantSMTP {
				return
			}
			if s.SMTP.Host != "mail.example.com" || s.SMTP.Port != cfg.SMTP.Port || s.SMTP.TLS != test.wantTLS ||
				s.Meta.SenderAddress != test.wantSender || s.Meta.SenderName != test.wantName || s.SMTP.Username != cfg.SMTP.Username {
				t.Fatalf("smtp settings %+v, sender %q <%s>", s.SMTP, s.Meta.SenderName, s.Meta.SenderAddress)
			}
		})
	}
}
