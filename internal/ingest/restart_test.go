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
	// a trickle PATCH of this first generation: its credentials and a candidate
	var before strings.Builder
	for line := range strings.Lines(pub.PeerConnection().LocalDescription().SDP) {
		if strings.HasPrefix(line, "a=ice-ufrag:") || strings.HasPrefix(line, "a=ice-pwd:") ||
			strings.HasPrefix(line, "a=candidate:") && before.Len() < 200 {
			before.WriteString(line)
		}
	}

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
	// a PATCH of the first generation that arrives late changes nothing: no second restart back to it
	if res, body := request(t, http.MethodPatch, pub.Location(), "application/trickle-ice-sdpfrag", "Bearer "+st.WHIPToken,
		before.String()); res.StatusCode != http.StatusNoContent {
		t.Fatalf("a late PATCH of the replaced credentials: %d %s", res.StatusCode, body)
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

// PATCH carries trickled candidates as well as restarts (RFC 8840, RFC 9725 section 4.3): a fragment with the
// session's current credentials, or none, trickles its candidates (204); new credentials restart ICE
// (TestICERestartKeepsOneTake); credentials that are neither, or no credentials at all, are refused with 400 and
// a message that says what to send, and leave the take recording.
func TestWHIPPatch(t *testing.T) {
	t.Parallel()
	lim := test.TimeOut(60 * time.Second)
	defer lim.Stop()

	s := newServer(t, nil)
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	var candidate, ufrag, pwd string
	for line := range strings.Lines(pub.PeerConnection().LocalDescription().SDP) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "a=candidate:") && candidate == "":
			candidate = line
		case strings.HasPrefix(line, "a=ice-ufrag:") && ufrag == "":
			ufrag = strings.TrimPrefix(line, "a=ice-ufrag:")
		case strings.HasPrefix(line, "a=ice-pwd:") && pwd == "":
			pwd = strings.TrimPrefix(line, "a=ice-pwd:")
		}
	}
	creds := func(u, p string) string { return "a=ice-ufrag:" + u + "\r\na=ice-pwd:" + p + "\r\n" }
	current := creds(ufrag, pwd)
	otherPwd := strings.Repeat("q", 24)
	bearer := "Bearer " + st.WHIPToken
	for _, test := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"a trickled candidate with the session's credentials", current + "a=mid:0\r\n" + candidate + "\r\n", http.StatusNoContent, ""},
		{"the end of candidates with the session's credentials", current + "a=mid:0\r\na=end-of-candidates\r\n", http.StatusNoContent, ""},
		{"a trickled candidate without credentials", "a=mid:0\r\n" + candidate + "\r\n", http.StatusNoContent, ""},
		{"the session's ufrag with another password", creds(ufrag, otherPwd) + "a=mid:0\r\n" + candidate + "\r\n", http.StatusBadRequest, "a=ice-pwd differs from the session's"},
		{"a new ufrag with the session's password", creds("newufrag", pwd) + "a=mid:0\r\n" + candidate + "\r\n", http.StatusBadRequest, "needs a new a=ice-pwd"},
		{"a ufrag too short", creds("abc", otherPwd), http.StatusBadRequest, "a=ice-ufrag must be 4 to 256 characters"},
		{"a ufrag with a character no ICE credential has", creds("ab-cd", otherPwd), http.StatusBadRequest, "a=ice-ufrag must be 4 to 256 characters of A-Z, a-z, 0-9, + and /"},
		{"a password too short", creds("abcd", strings.Repeat("p", 21)), http.StatusBadRequest, "a=ice-pwd must be 22 to 256 characters"},
		{"a password too long", creds("abcd", strings.Repeat("p", 257)), http.StatusBadRequest, "a=ice-pwd must be 22 to 256 characters"},
		{"two different ufrags", creds(ufrag, pwd) + "a=ice-ufrag:other1\r\n", http.StatusBadRequest, "two different a=ice-ufrag"},
		{"end of candidates without credentials", "a=mid:0\r\na=end-of-candidates\r\n", http.StatusBadRequest, "neither ICE credentials nor candidates"},
		{"a ufrag without a password", "a=ice-ufrag:abcd\r\na=mid:0\r\n" + candidate + "\r\n", http.StatusBadRequest, "both a=ice-ufrag and a=ice-pwd"},
		{"a password without a ufrag", "a=ice-pwd:" + strings.Repeat("p", 24) + "\r\n", http.StatusBadRequest, "both a=ice-ufrag and a=ice-pwd"},
		{"a candidate that is not one", current + "a=mid:0\r\na=candidate:not a candidate\r\n", http.StatusBadRequest, `candidate \"candidate:not a candidate\"`},
		{"not a fragment at all", "hello", http.StatusBadRequest, "neither ICE credentials nor candidates"},
	} {
		t.Run(test.name, func(t *testing.T) {
			res, body := request(t, http.MethodPatch, pub.Location(), "application/trickle-ice-sdpfrag", bearer, test.body)
			if res.StatusCode != test.status || !strings.Contains(body, test.want) {
				t.Fatalf("status %d, want %d with %q: %s", res.StatusCode, test.status, test.want, body)
			}
		})
	}
	if local, remote := iceCredentials(t, pub.PeerConnection()); local != ufrag || remote == "" {
		t.Fatalf("ICE credentials changed by PATCHes that restart nothing: %s (was %s)", local, ufrag)
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

// A take accepts at most 100 trickled candidates over its life: a fragment that would go beyond is refused whole
// with a message, and one that fits is still taken.
func TestWHIPPatchBoundsCandidates(t *testing.T) {
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
	fragment := func(n int) string {
		return "a=mid:0\r\n" + strings.Repeat(candidate+"\r\n", n)
	}
	for _, step := range []struct {
		candidates, status int
	}{
		{60, http.StatusNoContent},
		{41, http.StatusBadRequest}, // 101
		{40, http.StatusNoContent},  // 100
		{1, http.StatusBadRequest},
	} {
		res, body := request(t, http.MethodPatch, pub.Location(), "application/trickle-ice-sdpfrag", "Bearer "+st.WHIPToken, fragment(step.candidates))
		if res.StatusCode != step.status {
			t.Fatalf("%d more candidates: %d %s, want %d", step.candidates, res.StatusCode, body, step.status)
		}
		if step.status == http.StatusBadRequest && !strings.Contains(body, "the 100 ICE candidates it accepts") {
			t.Fatalf("%d more candidates: %s does not say why", step.candidates, body)
		}
	}
	if c := clockOf(t, pub, st.WHIPToken); c.State != "connecting" {
		t.Fatalf("the take after the refused PATCHes: %+v", c)
	}
}
