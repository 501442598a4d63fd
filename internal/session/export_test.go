package session

import (
	"testing"
	"time"
)

// LeaseTTL is how long a tab holds the interview after its last heartbeat.
const LeaseTTL = leaseTTL

// SetClock makes the tab leases read the time from clock until the test ends.
func SetClock(t testing.TB, clock func() time.Time) {
	old := now
	now = clock
	t.Cleanup(func() { now = old })
}
