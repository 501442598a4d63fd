package mail_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/takeone/takeone/internal/mail"
)

// Thousands of queued emails go out a few at a time, all of them, and a stopping app waits for them.
func TestOutboxSendsEverythingAFewAtATime(t *testing.T) {
	app, err := tests.NewTestApp()
	if err != nil {
		t.Fatal(err)
	}
	o := mail.NewOutbox(app)
	var running, peak, sent atomic.Int64
	var mu sync.Mutex
	for range 2000 {
		o.Go(func() {
			n := running.Add(1)
			mu.Lock()
			peak.Store(max(peak.Load(), n))
			mu.Unlock()
			time.Sleep(100 * time.Microsecond)
			running.Add(-1)
			sent.Add(1)
		})
	}
	app.Cleanup() // terminates: waits for the queue
	if sent.Load() != 2000 {
		t.Errorf("%d of 2000 emails went out before the app stopped", sent.Load())
	}
	if p := peak.Load(); p < 2 || p > 4 {
		t.Errorf("%d sent at once, want 2 to 4", p)
	}
	o.Go(func() { sent.Add(1) })
	time.Sleep(20 * time.Millisecond)
	if sent.Load() != 2000 {
		t.Error("an email was sent after the app stopped")
	}
}
