package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"
	"github.com/pion/webrtc/v4"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

// iceCredentials are the ufrags the publisher uses and sees the server use.
func iceCredentials(t *testing.T, pc *webrtc.PeerConnection) (local, remote string) {
	t.Helper()
	ice := pc.GetTransceivers()[0].Sender().Transport().ICETransport()
	l, err := ice.GetLocalParameters()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ice.GetRemoteParameters()
	if err != nil {
		t.Fatal(err)
	}
	return l.UsernameFragment, r.UsernameFragment
}

// A candidate whose network changes mid-answer (a phone leaving Wi-Fi) restarts ICE with a PATCH of the WHIP
// session (RFC 9725 section 4.4) while it keeps sending: the take goes on, and the reviewer gets one file with
// everything before and after.
func TestICERestartKeepsOneTake(t *testing.T) {
	t.Parallel()
	lim := test.TimeOut(60 * time.Second)
	defer lim.Stop()

	s := newServer(t, nil)
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	localBefore, remoteBefore := iceCredentials(t, pub.PeerConnection())

	streamed := make(chan error, 1)
	go func() { streamed <- pub.Stream(t.Context(), clip, 7*time.Second) }()
	time.Sleep(3 * time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	restartAt := time.Now()
	if err := pub.Restart(ctx); err != nil {
		t.Fatalf("ICE restart: %v", err)
	}
	t.Logf("ICE restart took %s", time.Since(restartAt).Round(time.Millisecond))
	localAfter, remoteAfter := iceCredentials(t, pub.PeerConnection())
	if localAfter == localBefore || remoteAfter == remoteBefore {
		t.Fatalf("ICE credentials before %s/%s, after %s/%s: want new ones on both sides",
			localBefore, remoteBefore, localAfter, remoteAfter)
	}
	if err := <-streamed; err != nil {
		t.Fatal(err)
	}
	body, err := pub.Stop(t.Context())
	if err != nil || !strings.Contains(body, `"status":"complete"`) {
		t.Fatalf("DELETE: %v %s", err, body)
	}

	answer := waitForStatus(t, s, st.ID, "complete", time.Second)
	sent := pub.VideoFrames.Load()
	t.Logf("%d frames sent", sent)
	// frames sent while ICE had no path are lost, and so are the ones after them up to the next keyframe: what
	// the reviewer sees is a short freeze, in a file as long as the answer
	checkPlayable(t, videoPath(t, s, answer), time.Duration(sent)*time.Second/30, 0)
}

// PATCH carries trickled candidates as well as restarts: a candidate alone is taken with 204, and a fragment the
// server cannot use is refused with 400 and leaves the take recording.
func TestWHIPPatch(t *testing.T) {
	t.Parallel()
	lim := test.TimeOut(60 * time.Second)
	defer lim.Stop()

	s := newServer(t, nil)
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	var candidate string
	for line := range strings.Lines(pub.PeerConnection().LocalDescription().SDP) {
		if strings.HasPrefix(line, "a=candidate:") && candidate == "" {
			candidate = strings.TrimRight(line, "\r\n")
		}
	}
	bearer := "Bearer " + st.WHIPToken
	for _, test := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"a trickled candidate", "a=mid:0\r\n" + candidate + "\r\n", http.StatusNoContent, ""},
		{"end of candidates only", "a=mid:0\r\na=end-of-candidates\r\n", http.StatusBadRequest, "neither new ICE credentials nor candidates"},
		{"a ufrag without a password", "a=ice-ufrag:abcd\r\na=mid:0\r\n" + candidate + "\r\n", http.StatusBadRequest, "both a=ice-ufrag and a=ice-pwd"},
		{"a password without a ufrag", "a=ice-pwd:" + strings.Repeat("p", 24) + "\r\n", http.StatusBadRequest, "both a=ice-ufrag and a=ice-pwd"},
		{"a candidate that is not one", "a=mid:0\r\na=candidate:not a candidate\r\n", http.StatusBadRequest, `candidate \"candidate:not a candidate\"`},
		{"not a fragment at all", "hello", http.StatusBadRequest, "neither new ICE credentials nor candidates"},
	} {
		t.Run(test.name, func(t *testing.T) {
			res, body := request(t, http.MethodPatch, pub.Location(), "application/trickle-ice-sdpfrag", bearer, test.body)
			if res.StatusCode != test.status || !strings.Contains(body, test.want) {
				t.Fatalf("status %d, want %d with %q: %s", res.StatusCode, test.status, test.want, body)
			}
		})
	}

	if err := pub.Stream(t.Context(), clip, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if body, err := pub.Stop(t.Context()); err != nil || !strings.Contains(body, `"status":"complete"`) {
		t.Fatalf("DELETE after the PATCHes: %v %s", err, body)
	}
	answer := waitForStatus(t, s, st.ID, "complete", time.Second)
	checkPlayable(t, videoPath(t, s, answer), time.Duration(answer.GetInt("duration_ms"))*time.Millisecond, 0)
}
