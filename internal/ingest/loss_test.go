package ingest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"

	"github.com/takeone/takeone/internal/testapp"
)

// A candidate on a bad mobile network (5 % of packets lost each way, 20-30 ms one way) still gives the reviewer
// the whole answer: NACK retransmissions fill the holes before the recorder gives up on them.
func TestRecordingSurvivesPacketLoss(t *testing.T) {
	t.Parallel()
	lim := test.TimeOut(90 * time.Second)
	defer lim.Stop()

	net := newNetwork(t, 20*time.Millisecond, 10*time.Millisecond)
	net.lossPercent.Store(5)
	s := net.newServer(t, nil)
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, net.clientOptions(t))
	if err := pub.Stream(t.Context(), clip, 8*time.Second); err != nil {
		t.Fatal(err)
	}
	body, err := pub.Stop(t.Context())
	if err != nil || !strings.Contains(body, `"status":"complete"`) {
		t.Fatalf("DELETE: %v %s", err, body)
	}
	passed, dropped := net.counts()
	t.Logf("network: %d packets delivered, %d dropped (%.1f %%)", passed, dropped,
		100*float64(dropped)/float64(passed+dropped))

	answer := waitForStatus(t, s, st.ID, "complete", time.Second)
	sent := pub.VideoFrames.Load()
	checkPlayable(t, videoPath(t, s, answer), time.Duration(sent)*time.Second/30, sent)
}
