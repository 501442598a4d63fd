// Package app is Takeone's application: PocketBase as a framework, Takeone's hooks and routes, and the commands
// (serve, superuser, version).
package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/cmd"
	"github.com/spf13/cobra"

	"github.com/takeone/takeone/hooks"
	"github.com/takeone/takeone/internal/config"
	"github.com/takeone/takeone/internal/retention"
	"github.com/takeone/takeone/internal/rtc"
	"github.com/takeone/takeone/internal/setup"
	"github.com/takeone/takeone/ui"
)

// Version is set at build time (-ldflags "-X github.com/takeone/takeone/internal/app.Version=...").
var Version = "dev"

// App is Takeone: PocketBase plus what Takeone adds to it.
type App struct {
	*pocketbase.PocketBase
	Config *config.Config
	Setup  *setup.Setup

	listeners listeners
}

// New builds the app from a loaded configuration and binds every hook and command.
func New(cfg *config.Config) *App {
	pb := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: cfg.DataDirAbs(), HideStartBanner: true})
	a := &App{PocketBase: pb, Config: cfg, Setup: setup.New(pb)}

	pb.RootCmd.Use = "takeone"
	pb.RootCmd.Short = "Takeone: one-way video interviews"
	pb.RootCmd.Version = Version
	pb.RootCmd.SilenceUsage = true
	pb.RootCmd.PersistentFlags().String("config", "", "YAML config file (see config.example.yaml)")
	pb.RootCmd.AddCommand(a.serveCommand(), cmd.NewSuperuserCommand(pb), versionCommand(), loadtestCommand())
	return a
}

// Start runs the command line.
func (a *App) Start() error {
	args := os.Args[1:]
	// commands that never touch the database run before PocketBase starts, which would open (and create) the data dir
	if len(args) > 0 && (args[0] == "version" || args[0] == "loadtest") {
		c := versionCommand()
		if args[0] == "loadtest" {
			c = loadtestCommand()
		}
		c.SetArgs(args[1:])
		return c.Execute()
	}
	deps := hooks.Deps{Config: a.Config, Setup: a.Setup, UI: ui.DistFS()}
	serving := len(args) > 0 && args[0] == "serve" && !slices.Contains(args, "--help") && !slices.Contains(args, "-h")
	// ports first: a start that fails on a port in use leaves no data dir behind
	var engine *rtc.Engine
	if serving {
		if err := a.bindListeners(); err != nil {
			return err
		}
		var err error
		if engine, err = a.bindWebRTC(); err != nil {
			a.closeListeners()
			return err
		}
	}
	if needsDataDir(args) {
		if err := checkDataDir(a.Config.DataDirAbs()); err != nil {
			return err
		}
	}
	if serving {
		in, err := a.newIngest(engine)
		if err != nil {
			return err
		}
		deps.Ingest = in
		retention.Bind(a, a.Config.Retention.Days)
	}
	hooks.Register(a, deps)
	return a.Execute()
}

// needsDataDir is false for the commands that never open the database.
func needsDataDir(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "version", "help", "--help", "-h", "--version", "-v":
		return false
	}
	return true
}

// checkDataDir fails early, before PocketBase writes anything, when the data dir cannot be created or written.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create the data dir %s: %w. Choose another with --dir or server.data_dir, or fix the parent's permissions", dir, unwrap(err))
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("the data dir %s is not writable: %w. Fix its owner (e.g. chown takeone: %s) or choose another with --dir", dir, unwrap(err), dir)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Prints Takeone's version",
		Args:  cobra.NoArgs,
		Run:   func(c *cobra.Command, _ []string) { printVersion(c.OutOrStdout()) },
	}
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "takeone %s (PocketBase %s, %s %s/%s)\n", Version, pocketBaseVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// pocketBaseVersion is the PocketBase module this binary was built with.
func pocketBaseVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/pocketbase/pocketbase" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

// executable names the running binary in messages.
func executable() string { return filepath.Base(os.Args[0]) }
