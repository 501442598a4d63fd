// Package hooks binds every event hook of Takeone in one place, so what happens on a save or at a start can be read
// from one file.
package hooks

import (
	"context"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/config"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/invite"
	"github.com/takeone/takeone/internal/mail"
	"github.com/takeone/takeone/internal/session"
	"github.com/takeone/takeone/internal/setup"
	"github.com/takeone/takeone/internal/teamapi"
	"github.com/takeone/takeone/internal/upload"
	"github.com/takeone/takeone/internal/web"
	"github.com/takeone/takeone/pb_migrations"
)

// Deps is what the hooks need besides the app.
type Deps struct {
	Config *config.Config
	Setup  *setup.Setup
	UI     fs.FS          // the built web app; nil in a no_ui build
	Ingest *ingest.Ingest // the recorder, for the candidate page's and the team's takes; nil for commands that do not serve
}

// shutdownWait bounds how long a stop waits for live takes to be saved; the next start repairs what is left.
const shutdownWait = 20 * time.Second

// Register binds every event hook: record defaults, settings seeded from the config, and all routes.
func Register(app core.App, deps Deps) {
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return seedSettings(e.App, deps.Config)
	})

	app.OnRecordCreate(pb_migrations.Candidates).BindFunc(candidateDefaults)
	app.OnRecordCreateRequest(pb_migrations.Candidates).BindFunc(keepCandidateEvents)
	app.OnRecordUpdateRequest(pb_migrations.Candidates).BindFunc(keepCandidateEvents)
	app.OnFileDownloadRequest(pb_migrations.Answers).BindFunc(serveTakesAsVideo)
	app.OnRecordUpdateRequest(pb_migrations.Users).BindFunc(keepAnAdmin)
	app.OnRecordDeleteRequest(pb_migrations.Users).BindFunc(keepAnAdmin)
	app.OnRecordCreateRequest(pb_migrations.Reviews).BindFunc(oneReviewEach)
	outbox := mail.NewOutbox(app)
	invite.Bind(app, deps.Config.Server.PublicURL, outbox)
	app.OnRecordCreate(pb_migrations.Interviews).BindFunc(interviewDefaults)
	app.OnRecordCreate(pb_migrations.Answers).BindFunc(answerDefaults)

	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		web.BindSecurityHeaders(e.Router, deps.Config.HTTPS())
		deps.Setup.Bind(e.Router)
		teamapi.Bind(e.Router, deps.Config.Server.PublicURL, deps.Ingest)
		if deps.Ingest != nil {
			if err := deps.Ingest.Recover(); err != nil {
				return err
			}
			deps.Ingest.Bind(e.Router)
			uploads, err := upload.New(e.App, upload.Config{
				Dir:       filepath.Join(e.App.DataDir(), "uploads"),
				TakeLimit: deps.Ingest.TakeLimit,
			})
			if err != nil {
				return err
			}
			uploads.Bind(e.Router)
			e.App.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
				uploads.Close()
				return te.Next()
			})
			session.New(deps.Ingest, session.Config{
				RetentionDays: deps.Config.Retention.Days,
				PublicURL:     deps.Config.Server.PublicURL,
				Outbox:        outbox,
			}).Bind(e.Router)
		}
		web.BindUI(e.Router, deps.UI)
		return e.Next()
	})

	if deps.Ingest != nil {
		app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
			defer cancel()
			deps.Ingest.Shutdown(ctx)
			return e.Next()
		})
	}
}
