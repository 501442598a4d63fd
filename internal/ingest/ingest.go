// Package ingest receives takes over WHIP (RFC 9725). A take is started by the routes of its domain (the
// candidate's session, the team's studio) through Start, for an Owner and a Destination; the browser (or any WHIP
// client) publishes VP8 + Opus to it, and the recorder writes the file as the media arrives. A take ends by
// DELETE, by its time limit, or when its connection is gone; its file then goes to its destination (an answer
// record, a practice or preview take kept for playback, a team's video), so nothing that was said is lost.
package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/internal/rtc"
)

// Config holds the limits of the recorder and where it keeps takes in progress.
type Config struct {
	Dir         string        // takes in progress, <data dir>/recordings
	PublicURL   string        // base of the whip_url handed to clients
	MaxSessions int           // live takes at once; above it: 503 + Retry-After
	MaxAnswer   time.Duration // hard cap of one take
	// Grace is added to a take's time limit: the browser stops at the limit, the server a little later.
	Grace time.Duration
	// ConnectTimeout bounds the time from the take's start to its connection: a take nobody connects to ends.
	ConnectTimeout time.Duration
	// IdleTimeout bounds a connected take that sends nothing: the candidate's page connects during think time and
	// starts sending when they press record, but a page left alone must not hold a take forever.
	IdleTimeout time.Duration
	// DisconnectTimeout is how long a take waits for a connection that dropped to come back before it ends.
	DisconnectTimeout time.Duration
	// StallAfter is how long without a media packet pauses a take's time limit, as the candidate's page pauses its
	// clock; the time after the last packet is not charged.
	StallAfter time.Duration
}

// Defaults for what Config leaves zero.
const (
	DefaultGrace             = 3 * time.Second
	DefaultConnectTimeout    = 30 * time.Second
	DefaultDisconnectTimeout = 10 * time.Second
	DefaultIdleTimeout       = 15 * time.Minute
	DefaultStallAfter        = 1500 * time.Millisecond
)

// Ingest owns the live takes.
type Ingest struct {
	app    core.App
	engine *rtc.Engine
	cfg    Config
	root   *os.Root

	ctx    context.Context // cancelled at shutdown: every take's context derives from it
	cancel context.CancelFunc
	wg     sync.WaitGroup // one per live take

	mu       sync.Mutex
	takes    map[string]*take              // by take id
	practice map[unstoredKey]*practiceTake // finished unstored takes
}

// New prepares the ingest; Bind adds the WHIP routes and Recover repairs what a crash left.
func New(app core.App, engine *rtc.Engine, cfg Config) (*Ingest, error) {
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.DisconnectTimeout == 0 {
		cfg.DisconnectTimeout = DefaultDisconnectTimeout
	}
	if cfg.StallAfter == 0 {
		cfg.StallAfter = DefaultStallAfter
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("create the recordings dir %s: %w", cfg.Dir, err)
	}
	root, err := os.OpenRoot(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("open the recordings dir %s: %w", cfg.Dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Ingest{
		app:      app,
		engine:   engine,
		cfg:      cfg,
		root:     root,
		ctx:      ctx,
		cancel:   cancel,
		takes:    map[string]*take{},
		practice: map[unstoredKey]*practiceTake{},
	}, nil
}

// Bind adds the WHIP routes, where every take is published, whoever started it.
func (in *Ingest) Bind(r *router.Router[*core.RequestEvent]) {
	r.POST("/api/takeone/whip/{take}", in.whipPublish)
	r.GET("/api/takeone/whip/{take}/session", in.whipState)
	r.PATCH("/api/takeone/whip/{take}/session", in.whipPatch)
	r.DELETE("/api/takeone/whip/{take}/session", in.whipDelete)
	r.OPTIONS("/api/takeone/whip/{take}", in.whipOptions)
}

// Shutdown ends every live take (their answers are kept, marked interrupted) and waits for their files to be saved.
func (in *Ingest) Shutdown(ctx context.Context) {
	in.mu.Lock()
	live := make([]*take, 0, len(in.takes))
	for _, t := range in.takes {
		live = append(live, t)
	}
	in.mu.Unlock()
	for _, t := range live {
		t.end(endShutdown)
	}
	done := make(chan struct{})
	go func() { in.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		in.app.Logger().Warn("takes still saving at shutdown; the next start repairs them", "takes", len(live))
	}
	in.mu.Lock()
	for id := range in.practice {
		in.dropPracticeLocked(id)
	}
	in.mu.Unlock()
	in.cancel()
	in.root.Close()
}

// Live is the number of takes in progress.
func (in *Ingest) Live() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.takes)
}

func (in *Ingest) fileName(answerID string) string { return answerID + ".webm" }

func (in *Ingest) filePath(answerID string) string {
	return filepath.Join(in.cfg.Dir, in.fileName(answerID))
}
