// Package hooks binds every event hook of Takeone in one place, so what happens on a save or at a start can be read
// from one file.
package hooks

import (
	"io/fs"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/config"
	"github.com/takeone/takeone/internal/setup"
	"github.com/takeone/takeone/internal/web"
	"github.com/takeone/takeone/pb_migrations"
)

// Deps is what the hooks need besides the app.
type Deps struct {
	Config *config.Config
	Setup  *setup.Setup
	UI     fs.FS // the built web app; nil in a no_ui build
}

// Register binds every event hook: record defaults, settings seeded from the config, and all routes.
func Register(app core.App, deps Deps) {
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return seedSettings(e.App, deps.Config)
	})

	app.OnRecordCreate(pb_migrations.Candidates).BindFunc(candidateDefaults)
	app.OnRecordCreate(pb_migrations.Interviews).BindFunc(interviewDefaults)

	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		web.BindSecurityHeaders(e.Router, deps.Config.HTTPS())
		deps.Setup.Bind(e.Router)
		web.BindUI(e.Router, deps.UI)
		return e.Next()
	})
}
