package ingest

import (
	"net/http"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// A take's time limit counts the time media arrives, by the same rule as the candidate's page: once no packet has
// arrived for Config.StallAfter, the take is paused and charged only up to its last packet; the next packet
// resumes it. A cut of the network, a frozen tab or a phone between two cells costs the candidate nothing, and the
// page and the server agree on the time left (the page shows the server's clock, GET {Location}).

// Clock states, as GET {Location} reports them.
const (
	stateConnecting = "connecting" // no media yet
	stateRecording  = "recording"
	statePaused     = "paused" // media stopped for StallAfter or more
)

// clock is the time a take has been charged. run() starts and stops it; the session route reads it. It has its
// own lock, so reading it never waits for a negotiation that holds the take's.
type clock struct {
	limit time.Duration // the take's limit, without the grace

	mu      sync.Mutex
	started bool          // media has arrived
	charged time.Duration // of the segments that ended
	since   time.Time     // the first packet of the running segment; zero while paused
}

// run starts a segment at the packet that arrived at at.
func (c *clock) run(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started, c.since = true, at
}

// pause ends the running segment at its last packet, and returns the time charged.
func (c *clock) pause(last time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.since.IsZero() && last.After(c.since) {
		c.charged += last.Sub(c.since)
	}
	c.since = time.Time{}
	return c.charged
}

// read is the clock's state and the time charged so far, the running segment counted up to last, its newest
// packet.
func (c *clock) read(last time.Time) (state string, charged time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.started:
		return stateConnecting, 0
	case c.since.IsZero():
		return statePaused, c.charged
	case last.After(c.since):
		return stateRecording, c.charged + last.Sub(c.since)
	default:
		return stateRecording, c.charged
	}
}

// sessionState is what GET {Location} answers: the take's clock, which the candidate's page shows.
type sessionState struct {
	State       string `json:"state"`
	LimitMS     int64  `json:"limit_ms"`
	RemainingMS int64  `json:"remaining_ms"` // of the limit, without the grace; 0 once it is used up
	RecordedMS  int64  `json:"recorded_ms"`  // charged so far
}

// state is the take's clock now.
func (t *take) state() sessionState {
	state, charged := t.clock.read(t.lastPacket())
	return sessionState{
		State:       state,
		LimitMS:     t.clock.limit.Milliseconds(),
		RemainingMS: max(t.clock.limit-charged, 0).Milliseconds(),
		RecordedMS:  charged.Milliseconds(),
	}
}

// lastPacket is when the newest media packet arrived (zero before the first).
func (t *take) lastPacket() time.Time {
	if ns := t.lastMedia.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// whipState answers GET {Location}: the take's clock. The candidate's page polls it every second while recording
// and shows remaining_ms, so its clock and the server's time limit agree.
func (in *Ingest) whipState(e *core.RequestEvent) error {
	t, err := in.lookup(e)
	if t == nil {
		return err
	}
	if t.over.Load() {
		return e.NotFoundError("No such take, or it has ended. Start a new take.", nil)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, t.state())
}

// pastLimit reports whether a packet arriving at at comes after the take's limit was used up. The server ends a
// take only a grace after its limit, so that the page's Stop arrives first; what is sent in that grace (a page
// that stops late, a sender that never stops) is not part of the answer.
func (c *clock) pastLimit(at time.Time) bool {
	_, charged := c.read(at)
	return charged >= c.limit
}

// limitCut keeps one track's media up to the take's limit: once the limit is used up, only packets of frames
// already begun (the rest of a frame, a retransmission) are recorded. One per track reader, which owns it.
type limitCut struct {
	over   bool
	seen   bool
	newest uint32 // the newest RTP timestamp recorded
}

// keep reports whether a packet with RTP timestamp ts is recorded; over says the limit is used up.
func (c *limitCut) keep(ts uint32, over bool) bool {
	c.over = c.over || over
	later := !c.seen || int32(ts-c.newest) > 0
	if c.over {
		return !later
	}
	if later {
		c.seen, c.newest = true, ts
	}
	return true
}
