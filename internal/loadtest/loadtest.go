package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"
)

// Mode is what the publishers load.
type Mode string

const (
	// Recorder is a real `takeone serve`: take requests, WHIP, the recorder, files saved into answers.
	Recorder Mode = "recorder"
	// Baseline is the bare receiver: the same WebRTC engine, and the media thrown away.
	Baseline Mode = "baseline"
)

// Config is one run.
type Config struct {
	// Binary is the takeone executable that the server and the receiver run from (the load tool's own).
	Binary   string
	Sessions int           // takes at once
	Duration time.Duration // length of each take
	Clip     Clip          // what each take publishes; at least Duration long
	Modes    []Mode        // run in this order, one after the other
	// CPUProfile, when set, is where the bare receiver writes a CPU profile of its run.
	CPUProfile string
	// Progress gets a line per step; nil discards them.
	Progress io.Writer
	// Keep leaves each mode's temp dir (the server's data dir with its database and logs) in place, for a look
	// afterwards; Progress names it.
	Keep bool
}

// Limits of a run, so that a mistyped flag cannot start something that runs for hours.
const (
	MaxSessions = 1000
	MaxDuration = time.Hour
)

// Run measures each mode in turn and returns the report. An error means a run could not be measured at all (a
// child did not start, say); takes that fail are counted in the report.
//
// Example:
//
//	clip, err := loadtest.MakeClip(ctx, dir, 20)
//	report, err := loadtest.Run(ctx, loadtest.Config{Binary: exe, Sessions: 100, Duration: 20 * time.Second,
//		Clip: clip, Modes: []loadtest.Mode{loadtest.Recorder, loadtest.Baseline}})
//	report.WriteTable(os.Stdout)
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	report := &Report{
		Machine:  thisMachine(),
		Sessions: cfg.Sessions,
		Seconds:  cfg.Duration.Seconds(),
		Clip:     cfg.Clip,
	}
	for _, mode := range cfg.Modes {
		res, err := runMode(ctx, cfg, mode)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mode, err)
		}
		switch mode {
		case Recorder:
			report.Recorder = res
		case Baseline:
			report.Baseline = res
		}
	}
	report.Ratio = ratio(report.Recorder, report.Baseline)
	return report, nil
}

// Validate checks the run's size and modes, before anything is started.
func (cfg Config) Validate() error {
	if cfg.Sessions < 1 || cfg.Sessions > MaxSessions {
		return fmt.Errorf("sessions: %d is out of range (1 to %d)", cfg.Sessions, MaxSessions)
	}
	if cfg.Duration < time.Second || cfg.Duration > MaxDuration {
		return fmt.Errorf("seconds: %s is out of range (1 s to %s)", cfg.Duration, MaxDuration)
	}
	if len(cfg.Modes) == 0 {
		return errors.New("no mode to run")
	}
	for _, m := range cfg.Modes {
		if m != Recorder && m != Baseline {
			return fmt.Errorf("unknown mode %q (recorder or baseline)", m)
		}
	}
	return nil
}

// runMode starts the mode's child process, loads it and measures it.
func runMode(ctx context.Context, cfg Config, mode Mode) (*Result, error) {
	// bounded: the takes themselves, plus time to set up, save and probe them
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+10*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "takeone-loadtest-"+string(mode)+"-")
	if err != nil {
		return nil, err
	}
	say := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, string(mode)+": "+format+"\n", args...) }
	if cfg.Keep {
		defer say("kept %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	var (
		tg     target
		proc   *child
		client *http.Client
		rec    *recorderServer
	)
	switch mode {
	case Recorder:
		say("starting takeone serve")
		if rec, err = startRecorderServer(ctx, cfg.Binary, dir, cfg.Sessions, int(cfg.Duration.Seconds())); err != nil {
			return nil, err
		}
		proc, client = rec.child, rec.api.http
		defer proc.stop(30 * time.Second) //nolint:errcheck // a stop that fails is reported below
		say("creating %d candidates on %s", cfg.Sessions, rec.url)
		if err := rec.prepare(ctx, cfg.Sessions, int(cfg.Duration.Seconds())); err != nil {
			return nil, proc.failure(err)
		}
		tg = rec
	case Baseline:
		say("starting the bare receiver")
		b, err := startBaselineServer(ctx, cfg.Binary, dir, cfg.CPUProfile)
		if err != nil {
			return nil, err
		}
		proc, client = b.child, httpClient(cfg.Sessions)
		defer proc.stop(30 * time.Second) //nolint:errcheck // as above
		tg = b
	default:
		return nil, fmt.Errorf("unknown mode %q (recorder or baseline)", mode)
	}

	idle, err := sampleProc(proc.pid())
	if err != nil {
		return nil, err
	}
	self0, err := sampleProc(os.Getpid())
	if err != nil {
		return nil, err
	}
	say("%d takes of %s at once", cfg.Sessions, cfg.Duration)
	results := runTakes(ctx, tg, cfg.Sessions, cfg.Clip, cfg.Duration, client)
	busy, err := sampleProc(proc.pid())
	if err != nil {
		return nil, proc.failure(err)
	}
	self1, err := sampleProc(os.Getpid())
	if err != nil {
		return nil, err
	}

	if rec != nil {
		say("probing the saved files")
		probeRecordings(ctx, rec, results)
	}
	if err := proc.stop(30 * time.Second); err != nil {
		say("%v", err)
	}
	return summarize(mode, results, idle, busy, self0, self1), nil
}

// probeRecordings counts the frames of each take's saved file; a take whose file cannot be read has failed.
func probeRecordings(ctx context.Context, rec *recorderServer, results []takeResult) {
	_ = forEach(ctx, len(results), 2, func(i int) error {
		r := &results[i]
		if r.ticket.id == "" || r.sent == 0 {
			return nil
		}
		n, err := rec.recordedFrames(ctx, r.ticket)
		r.received = n
		if err != nil && r.err == nil {
			r.err = fmt.Errorf("the saved file: %w", err)
		}
		return nil // one bad file does not stop the others
	})
}

// summarize turns what the publishers saw and /proc's samples into a result.
func summarize(mode Mode, results []takeResult, idle, busy, self0, self1 procSample) *Result {
	res := &Result{Mode: string(mode), Takes: len(results)}
	var setups, deletes []time.Duration
	for _, r := range results {
		res.FramesSent += r.sent
		res.FramesRecorded += r.received
		if r.err != nil {
			res.Failed++
			if msg := r.err.Error(); !slices.Contains(res.Errors, msg) && len(res.Errors) < 5 {
				res.Errors = append(res.Errors, msg)
			}
			continue
		}
		setups = append(setups, r.setup)
		deletes = append(deletes, r.deleted)
	}
	res.Setup, res.Delete = quantiles(setups), quantiles(deletes)
	if res.FramesSent > 0 {
		res.FramesPercent = round(100*float64(res.FramesRecorded)/float64(res.FramesSent), 2)
	}
	wall := busy.at.Sub(idle.at).Seconds()
	cpu := (busy.cpu - idle.cpu).Seconds()
	res.WindowSeconds = round(wall, 1)
	res.CPUSeconds = round(cpu, 2)
	res.CPUCores = round(cpu/wall, 2)
	res.UDPDrops = busy.udpDrops - idle.udpDrops
	res.PeakMemoryMiB = mib(busy.hwm)
	res.IdleMemoryMiB = mib(idle.rss)
	res.LoadToolCores = round((self1.cpu-self0.cpu).Seconds()/self1.at.Sub(self0.at).Seconds(), 2)
	return res
}

func mib(b int64) float64 { return round(float64(b)/(1<<20), 1) }
