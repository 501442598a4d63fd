package recorder

import (
	"slices"
	"testing"
	"time"
)

// After a network outage, the sender's retransmissions bring the last second of video back in one burst while the
// sound resumes behind a hole: each still goes in at its own time. No picture is squeezed in late, the hole in
// the sound is filled, and sound and picture stay in step.
func TestOutageWithRetransmittedVideo(t *testing.T) {
	t.Parallel()
	c := mainClip
	const (
		from    = 1500 * time.Millisecond // arrival time: the network drops
		to      = 9 * time.Second         // and comes back, the sequence numbers far beyond the reorder window
		resent  = 5400 * time.Millisecond // video captured from here on is retransmitted once it is back
		burstAt = to + 50*time.Millisecond
	)
	var evs []event
	for _, e := range c.events(sender{videoSeq: 11, audioSeq: 12, videoTS: 13, audioTS: 14, jitter: 5 * time.Millisecond,
		seed: 31}) {
		switch {
		case e.at < from || e.at >= to:
			evs = append(evs, e)
		case e.pkt != nil && e.kind == Video && c.video[e.frame].at >= resent:
			e.at = burstAt
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(a, b event) int { return int(a.at - b.at) })

	tk := newTake(t)
	if err := tk.feed(evs); err != nil {
		t.Fatal(err)
	}
	tk.close()
	_, offset := check(t, tk.path, want{duration: c.duration})
	prev := int64(-1)
	for _, b := range readBlocks(t, tk.path) {
		if b.track != videoTrack {
			continue
		}
		if prev >= 0 && b.ms-prev < 30 {
			t.Fatalf("video frames at %d and %d ms: pictures squeezed in late", prev, b.ms)
		}
		prev = b.ms
	}
	t.Logf("A/V offset %s", offset)
}
