package ingest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/testapp"
)

// The server's media engine calls a connection disconnected after 5 s without a packet (rtc's ICE timeouts);
// its checks run every 2 s.
const (
	iceDisconnectedAfter = 5 * time.Second
	iceCheckInterval     = 2 * time.Second
)

// A phone that loses its network mid-answer says no goodbye: no DELETE, no DTLS close, nothing. The server ends the
// take once ICE has seen nothing for a while and the connection did not come back within the disconnect timeout,
// keeps everything that arrived before the cut, marked interrupted, and leaves no goroutine of the take behind.
func TestConnectionCutWithoutGoodbye(t *testing.T) {
	lim := test.TimeOut(90 * time.Second)
	defer lim.Stop()

	net := newNetwork(t, 0, 0) // no delay: what passed the router before the cut has arrived
	s := net.newServer(t, nil) // disconnect timeout 2 s
	http.DefaultClient.CloseIdleConnections()
	before := liveGoroutines()
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, net.clientOptions(t))

	streamed := make(chan error, 1)
	go func() { streamed <- pub.Stream(t.Context(), clip, 6*time.Second) }()
	time.Sleep(3 * time.Second)
	framesAtCut := pub.VideoFrames.Load()
	net.cut.Store(true)
	cutAt := time.Now()

	answer := waitForStatus(t, s, st.ID, "interrupted", 30*time.Second)
	ended := time.Since(cutAt)
	t.Logf("take ended %s after the cut; %d frames were sent before it", ended.Round(100*time.Millisecond), framesAtCut)
	// the harness's disconnect timeout is 2 s; a few seconds more for a loaded machine
	latest := iceDisconnectedAfter + iceCheckInterval + 2*time.Second + 3*time.Second
	if ended < iceDisconnectedAfter || ended > latest {
		t.Errorf("the take ended %s after the cut, want after ICE calls the connection disconnected (%s) and the "+
			"disconnect timeout, within %s", ended, iceDisconnectedAfter, latest)
	}
	if err := <-streamed; err != nil { // the publisher kept sending into the void
		t.Fatal(err)
	}

	path := videoPath(t, s, answer)
	checkPlayable(t, path, time.Duration(framesAtCut)*time.Second/30, 0)
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	// the frame on the wire at the cut may be lost with it; nothing before it is
	if int64(info.VideoFrames) < framesAtCut-1 {
		t.Errorf("%d frames recorded, %d were sent before the cut", info.VideoFrames, framesAtCut)
	}

	pub.Abort()
	checkGoroutinesEnded(t, before, 10*time.Second)
}

// Time spent disconnected is not charged against the answer's time limit: a candidate whose network drops for
// longer than the rest of their time still gets that rest once it is back.
func TestDisconnectedTimeIsNotCharged(t *testing.T) {
	t.Parallel()
	lim := test.TimeOut(90 * time.Second)
	defer lim.Stop()

	const (
		limit   = 10 * time.Second
		grace   = 500 * time.Millisecond
		cutAt   = 2 * time.Second  // media time at which the network drops
		restore = 12 * time.Second // and comes back: past the limit and its grace
	)
	net := newNetwork(t, 0, 0)
	s := net.newServer(t, func(c *ingest.Config) {
		c.MaxAnswer, c.Grace = limit, grace
		c.DisconnectTimeout = 12 * time.Second // longer than the outage: the take waits for the connection
	})
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, net.clientOptions(t))
	start := time.Now() // media flows from here: the limit starts with the first packet

	// the camera runs on through the outage until the server hangs up
	defer streamOn(t, pub)()
	time.Sleep(cutAt)
	net.cut.Store(true)
	// The server notices the outage only once ICE calls it disconnected (5 to 7 s after the cut), so up to 9 s of
	// the 10.5 s are spent by then; without the pause the limit would end the take at 10.5 s, during the cut.
	time.Sleep(restore - cutAt)
	if answer, err := s.app.FindRecordById("answers", st.ID); err != nil || answer.GetString("status") != "recording" {
		t.Fatalf("after %s, %s of them cut off, the answer is %q (%v): the time spent disconnected was charged",
			restore, restore-cutAt, answer.GetString("status"), err)
	}
	net.cut.Store(false)
	restoredAt := time.Now()

	// The rest of the time (at least 1.5 s) runs from the reconnection, then the limit ends the take as usual.
	answer := waitForStatus(t, s, st.ID, "complete", 30*time.Second)
	after := time.Since(restoredAt)
	t.Logf("take ended %s after the network came back, %s after it started", after.Round(100*time.Millisecond),
		time.Since(start).Round(100*time.Millisecond))
	if after < time.Second {
		t.Errorf("the take ended %s after the reconnection: the rest of its time was not given back", after)
	}
	// both parts, with the outage between them, in one playable file
	d := time.Duration(answer.GetInt("duration_ms")) * time.Millisecond
	if d < restore+time.Second {
		t.Errorf("duration %s: the part after the outage is missing", d)
	}
	checkPlayable(t, videoPath(t, s, answer), d, 0)
}
