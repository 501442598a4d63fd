package netfault

import (
	"cmp"
	"net"
	"slices"
	"testing"
	"time"
)

// udpPair opens a receiver on ServerIP and a sender on ClientIP inside the namespace.
func udpPair(t *testing.T, n *Namespace) (rx, tx *net.UDPConn) {
	t.Helper()
	var err error
	if e := n.inside(func() {
		if rx, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(n.ServerIP)}); err != nil {
			return
		}
		tx, err = net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(n.ClientIP)}, rx.LocalAddr().(*net.UDPAddr))
	}); e != nil || err != nil {
		t.Fatal(e, err)
	}
	t.Cleanup(func() { rx.Close(); tx.Close() })
	return rx, tx
}

// send sends count datagrams, one a millisecond, each carrying its send time, and returns how long each one that
// arrived took. Every send must succeed: on a real network the sender never learns that a packet was lost, and a
// browser whose send is refused may give the path up (Firefox does, at once).
func send(t *testing.T, rx, tx *net.UDPConn, count int) []time.Duration {
	t.Helper()
	got := make(chan []time.Duration)
	go func() {
		var delays []time.Duration
		buf := make([]byte, 64)
		for {
			_ = rx.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			k, err := rx.Read(buf)
			if err != nil {
				got <- delays
				return
			}
			var sent time.Time
			if sent.UnmarshalBinary(buf[:k]) == nil {
				delays = append(delays, time.Since(sent))
			}
		}
	}()
	refused := 0
	var firstErr error
	for range count {
		b, _ := time.Now().MarshalBinary()
		if _, err := tx.Write(b); err != nil {
			refused++
			firstErr = cmp.Or(firstErr, err)
		}
		time.Sleep(time.Millisecond)
	}
	if refused > 0 {
		t.Errorf("the kernel refused %d of %d sends (%v): a lost packet must be silent", refused, count, firstErr)
	}
	return <-got
}

func TestImpairLosesAndDelaysUDP(t *testing.T) {
	t.Parallel()
	n := New(t)
	rx, tx := udpPair(t, n)
	if clean := send(t, rx, tx, 200); len(clean) != 200 {
		t.Fatalf("a clean namespace lost %d of 200 datagrams", 200-len(clean))
	}
	if err := n.Impair(5, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	const count = 2000
	delays := send(t, rx, tx, count)
	lost := float64(count-len(delays)) / count * 100
	slices.Sort(delays)
	t.Logf("lost %.1f %%; delay min %v, median %v, max %v", lost, delays[0], delays[len(delays)/2], delays[len(delays)-1])
	// 5 % of 2000: the binomial's standard deviation is 0.5 %, so 3 % to 7 % holds but for a broken rule
	if lost < 3 || lost > 7 {
		t.Errorf("lost %.1f %% of the datagrams, want about 5 %%", lost)
	}
	if delays[0] < 20*time.Millisecond {
		t.Errorf("a datagram arrived after %v, before the 20 ms delay", delays[0])
	}
	if med := delays[len(delays)/2]; med > 35*time.Millisecond {
		t.Errorf("median delay %v, want about 20 ms", med)
	}
}

func TestCutStopsEverythingUntilItEnds(t *testing.T) {
	t.Parallel()
	n := New(t)
	rx, tx := udpPair(t, n)
	done := make(chan error)
	go func() { done <- n.Cut(time.Second) }()
	time.Sleep(100 * time.Millisecond)
	if during := send(t, rx, tx, 100); len(during) != 0 {
		t.Errorf("%d of 100 datagrams passed during the cut", len(during))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if after := send(t, rx, tx, 100); len(after) != 100 {
		t.Errorf("%d of 100 datagrams passed after the cut", len(after))
	}
}
