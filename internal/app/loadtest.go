package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/takeone/takeone/internal/loadtest"
)

func loadtestCommand() *cobra.Command {
	var (
		sessions, seconds int
		clipDir, mode     string
		asJSON, keep      bool
		receiver          bool   // hidden: this process is the bare receiver of a run
		cpuProfile        string // hidden: the bare receiver's CPU profile
	)
	c := &cobra.Command{
		Use:   "loadtest",
		Short: "Measures the recorder on this machine: concurrent takes over loopback, beside a bare WebRTC receiver",
		Long: `Measures the recorder on this machine. Starts a real "takeone serve" on 127.0.0.1 with a fresh data dir,
opens --sessions takes at once as candidates do, publishes a test clip (VP8 ~1.5 Mbit/s + Opus) to each over WHIP
for --seconds, ends each with DELETE and checks the saved files. Then runs the same publishers against a bare
receiver (the same WebRTC engine, media thrown away), the floor cost of receiving WebRTC in Go, and reports both
with the recorder's cost as a multiple of the floor. Nothing leaves 127.0.0.1, and the temp dirs it makes are
removed (unless --keep). Exits non-zero when a take failed.`,
		Example: "  takeone loadtest --sessions 100 --seconds 20\n  takeone loadtest --sessions 10 --seconds 5 --mode recorder --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if receiver {
				return runReceiver(ctx, c.OutOrStdout(), cpuProfile)
			}
			modes, err := loadtestModes(mode)
			if err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find this program to start the server from: %w", err)
			}
			progress := os.Stderr
			cfg := loadtest.Config{
				Binary:     exe,
				Sessions:   sessions,
				Duration:   time.Duration(seconds) * time.Second,
				Modes:      modes,
				CPUProfile: cpuProfile,
				Progress:   progress,
				Keep:       keep,
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("loadtest: --%w", err)
			}
			clip, cleanup, err := loadtestClip(ctx, clipDir, seconds, progress)
			if err != nil {
				return err
			}
			defer cleanup()
			cfg.Clip = clip
			report, err := loadtest.Run(ctx, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(report); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(c.OutOrStdout())
				report.WriteTable(c.OutOrStdout())
			}
			if n := report.Failed(); n > 0 {
				return fmt.Errorf("loadtest: %d takes failed", n)
			}
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&sessions, "sessions", 10, fmt.Sprintf("takes at once (1 to %d)", loadtest.MaxSessions))
	f.IntVar(&seconds, "seconds", 20, "length of each take in seconds")
	f.StringVar(&clipDir, "clip", "", "dir with clip.ivf and clip.ogg (go run ./scripts/testmedia DIR SECONDS 640x480 30); empty: made with ffmpeg")
	f.StringVar(&mode, "mode", "both", "recorder, baseline or both")
	f.BoolVar(&asJSON, "json", false, "print the numbers as JSON")
	f.BoolVar(&keep, "keep", false, "keep the temp dirs (the server's data dir, database and logs) and say where")
	f.BoolVar(&receiver, "receiver", false, "run as the bare receiver of a load test")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write the bare receiver's CPU profile to this file")
	_ = f.MarkHidden("receiver")
	_ = f.MarkHidden("cpuprofile")
	return c
}

func loadtestModes(mode string) ([]loadtest.Mode, error) {
	switch mode {
	case "both":
		return []loadtest.Mode{loadtest.Recorder, loadtest.Baseline}, nil
	case "recorder":
		return []loadtest.Mode{loadtest.Recorder}, nil
	case "baseline":
		return []loadtest.Mode{loadtest.Baseline}, nil
	}
	return nil, fmt.Errorf("--mode %q: use recorder, baseline or both", mode)
}

// loadtestClip opens the clip in dir, or makes one as long as the takes in a temp dir that cleanup removes.
func loadtestClip(ctx context.Context, dir string, seconds int, progress io.Writer) (loadtest.Clip, func(), error) {
	if dir != "" {
		clip, err := loadtest.OpenClip(dir)
		if err == nil && clip.Seconds < float64(seconds) {
			err = fmt.Errorf("the clip in %s lasts %g s, less than --seconds %d: make a longer one", dir, clip.Seconds, seconds)
		}
		return clip, func() {}, err
	}
	tmp, err := os.MkdirTemp("", "takeone-loadtest-clip-")
	if err != nil {
		return loadtest.Clip{}, nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	fmt.Fprintf(progress, "making a %d s test clip with ffmpeg (pass --clip DIR to reuse one)\n", seconds)
	clip, err := loadtest.MakeClip(ctx, tmp, seconds)
	if err != nil {
		cleanup()
		return clip, nil, err
	}
	return clip, cleanup, nil
}

// runReceiver is the bare receiver: it serves until the load tool that started it closes its standard input (it
// does so on exit, or dies, which closes it too), bounded by the longest run in any case.
func runReceiver(ctx context.Context, ready io.Writer, cpuProfile string) error {
	ctx, cancel := context.WithTimeout(ctx, loadtest.MaxDuration+15*time.Minute)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return loadtest.RunReceiver(ctx, loadtest.ReceiverOptions{Ready: ready, CPUProfile: cpuProfile})
}
