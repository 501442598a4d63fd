package ingest_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

// waitForStatus polls an answer until it has the status, or fails the test after d.
func waitForStatus(t *testing.T, s *server, answerID, status string, d time.Duration) *core.Record {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		answer, err := s.app.FindRecordById("answers", answerID)
		if err != nil {
			t.Fatal(err)
		}
		if answer.GetString("status") == status {
			return answer
		}
		if time.Now().After(deadline) {
			t.Fatalf("answer %s is %q after %s, want %q", answerID, answer.GetString("status"), d, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// videoPath is where the app's local storage keeps an answer's file.
func videoPath(t *testing.T, s *server, answer *core.Record) string {
	t.Helper()
	name := answer.GetString("video")
	if name == "" {
		t.Fatalf("answer %s has no video", answer.Id)
	}
	return filepath.Join(s.app.DataDir(), "storage", answer.BaseFilesPath(), name)
}

// checkPlayable asserts what a reviewer notices: the file decodes, seeks, has the length that was recorded and
// sound in sync with the picture.
func checkPlayable(t *testing.T, path string, want time.Duration, framesSent int64) {
	t.Helper()
	checkPlayableWithin(t, path, want, framesSent, 40*time.Millisecond)
}

// checkPlayableWithin is checkPlayable with sound and picture at most avLimit apart.
func checkPlayableWithin(t *testing.T, path string, want time.Duration, framesSent int64, avLimit time.Duration) {
	t.Helper()
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the recording does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if want > 0 && math.Abs(float64(info.Duration-want)) > 0.02*float64(want) {
		t.Errorf("duration %s, want %s within 2%%", info.Duration, want)
	}
	if framesSent > 0 && float64(info.VideoFrames) < 0.99*float64(framesSent) {
		t.Errorf("%d of %d frames recorded (< 99%%)", info.VideoFrames, framesSent)
	}
	if !info.Seekable {
		t.Error("the recording has no Cues: players cannot seek it")
	}
	if err := mediacheck.SeekFrame(path, info.Duration/2); err != nil {
		t.Errorf("seeking to the middle: %v", err)
	}
	if info.Duration >= 2*time.Second {
		offset, err := mediacheck.AVOffset(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s, %d frames (%d sent), A/V offset %s", filepath.Base(path), info.Duration, info.VideoFrames, framesSent, offset)
		if offset.Abs() > avLimit {
			t.Errorf("sound and picture are %s apart (> %v)", offset, avLimit)
		}
	}
}

func publish(t *testing.T, s *server, candidate, question string, opts whipclient.Options) (started, *whipclient.Session) {
	t.Helper()
	res, body, st := s.startTake(t, s.token(t, candidate), question)
	if res.StatusCode != 201 {
		t.Fatalf("start take: %d %s", res.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	pub, err := whipclient.Publish(ctx, st.WHIPURL, st.WHIPToken, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Abort)
	return st, pub
}

// streamOn sends the clip over and over, as a camera that runs on, until the server hangs up or the returned
// stop is called; stop waits for the sending to end.
func streamOn(t *testing.T, pub *whipclient.Session) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	streamed := make(chan struct{})
	go func() {
		defer close(streamed)
		for ctx.Err() == nil && pub.Stream(ctx, clip, time.Minute) == nil {
		}
	}()
	return func() { cancel(); <-streamed }
}

// A take published over UDP and ended by DELETE plays at once, seeks, and has its length and sync.
func TestRecordedTakePlays(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	if err := pub.Stream(t.Context(), clip, 6*time.Second); err != nil {
		t.Fatal(err)
	}
	body, err := pub.Stop(t.Context())
	if err != nil || !strings.Contains(body, `"status":"complete"`) {
		t.Fatalf("DELETE: %v %s", err, body)
	}
	answer := waitForStatus(t, s, st.ID, "complete", time.Second)
	if d := answer.GetInt("duration_ms"); d < 5800 || d > 6100 {
		t.Errorf("duration_ms %d for a 6 s answer", d)
	}
	if answer.GetInt("size_bytes") < 100_000 {
		t.Errorf("size_bytes %d", answer.GetInt("size_bytes"))
	}
	checkPlayable(t, videoPath(t, s, answer), time.Duration(answer.GetInt("duration_ms"))*time.Millisecond, pub.VideoFrames.Load())
}

// A candidate whose network blocks UDP still records, over ICE-TCP on the web server's own port.
func TestRecordsOverTCPOnTheWebPort(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	se := whipclient.Loopback()
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	api, err := whipclient.NewAPI(se)
	if err != nil {
		t.Fatal(err)
	}
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{API: api})
	pair, err := pub.PeerConnection().GetTransceivers()[0].Sender().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local.Protocol != webrtc.ICEProtocolTCP {
		t.Fatalf("connected over %v (%v), want TCP", pair, err)
	}
	if err := pub.Stream(t.Context(), clip, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	answer := waitForStatus(t, s, st.ID, "complete", time.Second)
	checkPlayable(t, videoPath(t, s, answer), 0, 0)
}

// A closed tab or a dead phone: the connection vanishes mid-answer, and what was said is kept, marked interrupted.
func TestClientKilledMidTakeKeepsTheAnswer(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	if err := pub.Stream(t.Context(), clip, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	pub.Abort()
	answer := waitForStatus(t, s, st.ID, "interrupted", 20*time.Second)
	if d := answer.GetInt("duration_ms"); d < 2700 {
		t.Errorf("kept %d ms of a 3 s answer", d)
	}
	checkPlayable(t, videoPath(t, s, answer), time.Duration(answer.GetInt("duration_ms"))*time.Millisecond, 0)
}

// The server stops a take at its time limit (plus grace), whatever the client does; what the client sends in the
// grace is not kept, so the answer is as long as the limit the candidate was shown.
func TestTimeLimitStopsTheTake(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *ingest.Config) { c.MaxAnswer = 3 * time.Second; c.Grace = 1500 * time.Millisecond })
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	if st.MaxSeconds != 3 {
		t.Fatalf("max_seconds %d", st.MaxSeconds)
	}
	_ = pub.Stream(t.Context(), clip, 6*time.Second) // the server hangs up in the middle
	answer := waitForStatus(t, s, st.ID, "complete", 5*time.Second)
	if d := answer.GetInt("duration_ms"); d < 2900 || d > 3200 {
		t.Errorf("duration_ms %d, want the 3 s limit", d)
	}
	checkPlayable(t, videoPath(t, s, answer), time.Duration(answer.GetInt("duration_ms"))*time.Millisecond, 0)
}

// A stopping server saves every live take before it exits.
func TestShutdownSavesLiveTakes(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	if err := pub.Stream(t.Context(), clip, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s.ingest.Shutdown(ctx)
	answer := waitForStatus(t, s, st.ID, "interrupted", time.Second)
	checkPlayable(t, videoPath(t, s, answer), 0, 0)
}
