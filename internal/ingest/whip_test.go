package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

const h264Offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\n" +
	"a=rtpmap:102 H264/90000\r\na=sendonly\r\n"

func TestWHIPRefusesBadRequests(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	_, _, st := s.startTake(t, s.token(t, testapp.CandidateOne), testapp.QuestionSpare)
	bearer := "Bearer " + st.WHIPToken
	session := st.WHIPURL + "/session"
	for _, test := range []struct {
		name, method, url, contentType, auth, body string
		status                                     int
		want                                       string
	}{
		{"no token", "POST", st.WHIPURL, "application/sdp", "", h264Offer, 401, "whip_token"},
		{"a wrong token", "POST", st.WHIPURL, "application/sdp", "Bearer " + strings.Repeat("A", 43), h264Offer, 401, "whip_token"},
		{"not a bearer token", "POST", st.WHIPURL, "application/sdp", "Basic " + st.WHIPToken, h264Offer, 401, "whip_token"},
		{"another take's URL", "POST", s.URL + "/api/takeone/whip/nosuchtake0001", "application/sdp", bearer, h264Offer, 404, "ended"},
		{"not SDP", "POST", st.WHIPURL, "application/json", bearer, `{"sdp":"x"}`, 415, "application/sdp"},
		{"malformed SDP", "POST", st.WHIPURL, "application/sdp", bearer, "hello", 400, "not a valid SDP"},
		{"no usable codec", "POST", st.WHIPURL, "application/sdp", bearer, h264Offer, 400, "VP8 video and Opus audio"},
		{"too large", "POST", st.WHIPURL, "application/sdp", bearer, strings.Repeat("a", 70<<10), 413, "too large"},
		{"PATCH before publishing", "PATCH", session, "application/trickle-ice-sdpfrag", bearer, "a=ice-ufrag:abcd\r\na=ice-pwd:" + strings.Repeat("p", 22) + "\r\n", 409, "POST the SDP offer first"},
		{"PATCH with the wrong type", "PATCH", session, "application/sdp", bearer, "a=ice-ufrag:abcd", 415, "trickle-ice-sdpfrag"},
		{"DELETE without the token", "DELETE", session, "", "", "", 401, "whip_token"},
		{"the clock without the token", "GET", session, "", "", "", 401, "whip_token"},
		{"the clock of another take", "GET", s.URL + "/api/takeone/whip/nosuchtake0001/session", "", bearer, "", 404, "ended"},
		{"the clock before publishing", "GET", session, "", bearer, "", 200, `"state":"connecting","limit_ms":90000,"remaining_ms":90000,"recorded_ms":0`},
	} {
		t.Run(test.name, func(t *testing.T) {
			res, body := request(t, test.method, test.url, test.contentType, test.auth, test.body)
			if res.StatusCode != test.status || !strings.Contains(body, test.want) {
				t.Fatalf("status %d, want %d with %q: %s", res.StatusCode, test.status, test.want, body)
			}
			if test.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	if !strings.Contains(func() string { _, b := request(t, "POST", st.WHIPURL, "application/sdp", bearer, h264Offer); return b }(), "H264") {
		t.Fatal("the codec message does not say what was offered")
	}
}

// The whip_token opens one take only while it lives: after DELETE it is useless, and a second publish is refused.
func TestWHIPTokenIsScopedToOneLiveTake(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	_, _, st := s.startTake(t, s.token(t, testapp.CandidateOne), testapp.QuestionSpare)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	pub, err := whipclient.Publish(ctx, st.WHIPURL, st.WHIPToken, whipclient.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Abort()
	if !strings.HasSuffix(pub.Location(), "/api/takeone/whip/"+st.ID+"/session") {
		t.Fatalf("Location %q", pub.Location())
	}
	if answer := pub.PeerConnection().RemoteDescription().SDP; !strings.Contains(answer, "x-google-start-bitrate=") {
		t.Errorf("the answer does not set the VP8 encoder's start bitrate:\n%s", answer)
	}
	offer := pub.PeerConnection().LocalDescription().SDP
	if res, body := request(t, "POST", st.WHIPURL, "application/sdp", "Bearer "+st.WHIPToken, offer); res.StatusCode != http.StatusConflict {
		t.Fatalf("second publish: %d %s", res.StatusCode, body)
	}
	// a token of another candidate's take does not open this one
	_, _, other := s.startTake(t, s.token(t, testapp.CandidateTwo), testapp.QuestionTwo)
	if res, _ := request(t, "DELETE", pub.Location(), "", "Bearer "+other.WHIPToken, ""); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another take's token: %d", res.StatusCode)
	}
	if _, err := pub.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"POST", "DELETE", "PATCH", "GET"} {
		url := pub.Location()
		if method == "POST" {
			url = st.WHIPURL
		}
		if res, _ := request(t, method, url, "application/sdp", "Bearer "+st.WHIPToken, offer); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s after the take ended: %d", method, res.StatusCode)
		}
	}
}

// A take nobody connects to ends by itself, and its answer says it failed (nothing was recorded).
func TestUnusedTakeEnds(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *ingest.Config) { c.ConnectTimeout = 500 * time.Millisecond })
	_, _, st := s.startTake(t, s.token(t, testapp.CandidateOne), testapp.QuestionSpare)
	waitForStatus(t, s, st.ID, "failed", 10*time.Second)
	// a take that recorded nothing does not use up the question's one take
	if res, body, next := s.startTake(t, s.token(t, testapp.CandidateOne), testapp.QuestionSpare); res.StatusCode != http.StatusCreated {
		t.Fatalf("after a failed take: %d %s", res.StatusCode, body)
	} else if answer, _ := s.app.FindRecordById("answers", next.ID); answer.GetInt("take") != 2 {
		t.Fatalf("the next take is numbered %d, want 2", answer.GetInt("take"))
	}
}
