package mail

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"
)

// A stop that outlasts stopWait drops what is still queued and waits for the emails being sent, so no send runs
// on the app after it stopped.
func TestOutboxStopDropsTheQueueAfterStopWait(t *testing.T) {
	defer func(s, f time.Duration) { stopWait, inFlightWait = s, f }(stopWait, inFlightWait)
	stopWait, inFlightWait = 50*time.Millisecond, 5*time.Second
	app, err := tests.NewTestApp()
	if err != nil {
		t.Fatal(err)
	}
	o := NewOutbox(app)
	var sent atomic.Int64
	for range 200 {
		o.Go(func() {
			time.Sleep(20 * time.Millisecond)
			sent.Add(1)
		})
	}
	app.Cleanup()
	after := sent.Load()
	if after == 0 || after >= 200 {
		t.Fatalf("%d of 200 slow emails went out in a 50 ms stop; want some, not all", after)
	}
	time.Sleep(100 * time.Millisecond)
	if n := sent.Load(); n != after {
		t.Fatalf("%d emails were sent after the app stopped", n-after)
	}
}
