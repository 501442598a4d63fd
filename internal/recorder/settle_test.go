package recorder

import (
	"testing"
	"time"
)

// When the sender says it is done, Settled tells its caller to wait while a packet lost near the end may still
// come back (its retransmission), and to stop once it has, once nothing has arrived for a while, or at once when
// nothing is missing.
func TestSettled(t *testing.T) {
	const idle = 300 * time.Millisecond
	for _, test := range []struct {
		name       string
		lose       bool // the last video packet of frame 55
		retransmit bool // and it comes back
	}{
		{name: "nothing missing"},
		{name: "the lost packet comes back", lose: true, retransmit: true},
		{name: "the lost packet never comes", lose: true},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			tk := newTake(t)
			// what arrives in two seconds of the clip
			var evs []event
			lost := -1
			for _, e := range mainClip.events(sender{videoSeq: 7, audioSeq: 8, videoTS: 9, audioTS: 10, seed: 21}) {
				if e.at > 2*time.Second {
					break
				}
				if e.frame == 55 && e.pkt.Marker {
					lost = len(evs)
				}
				evs = append(evs, e)
			}
			var missing event
			if test.lose {
				missing = evs[lost]
				evs = append(evs[:lost], evs[lost+1:]...)
			}
			if err := tk.feed(evs); err != nil {
				t.Fatal(err)
			}
			end := evs[len(evs)-1].at
			if !test.lose {
				if !tk.rec.Settled(idle) {
					t.Fatal("not settled with nothing missing")
				}
			} else {
				if tk.rec.Settled(idle) {
					t.Fatal("settled while a packet is missing and others just arrived")
				}
				tk.clock.set(end + idle*2/3)
				if tk.rec.Settled(idle) {
					t.Fatal("settled while a missing packet may still be retransmitted")
				}
				if test.retransmit {
					if err := tk.rec.WriteRTP(Video, missing.pkt); err != nil {
						t.Fatal(err)
					}
					if !tk.rec.Settled(idle) {
						t.Fatal("not settled once the missing packet came")
					}
				} else {
					tk.clock.set(end + idle)
					if !tk.rec.Settled(idle) {
						t.Fatalf("not settled after %s without a packet", idle)
					}
				}
			}
			stats := tk.close()
			want := 0 // every frame that arrived
			for _, e := range evs {
				want = max(want, e.frame+1)
			}
			if test.lose && !test.retransmit {
				want = 55 // frame 55 is broken, and nothing after it can be decoded before the next keyframe
			}
			if stats.VideoFrames != want {
				t.Errorf("%d frames written, want %d", stats.VideoFrames, want)
			}
		})
	}
}
