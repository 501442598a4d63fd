package ingest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

// clockState is what GET {Location} answers.
type clockState struct {
	State       string `json:"state"`
	LimitMS     int64  `json:"limit_ms"`
	RemainingMS int64  `json:"remaining_ms"`
	RecordedMS  int64  `json:"recorded_ms"`
}

// clockOf reads the take's clock as the candidate's page does.
func clockOf(t *testing.T, pub *whipclient.Session, token string) clockState {
	t.Helper()
	res, body := request(t, http.MethodGet, pub.Location(), "", "Bearer "+token, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", pub.Location(), res.StatusCode, body)
	}
	var c clockState
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("clock %s: %v", body, err)
	}
	return c
}

// waitClock polls the take's clock every 100 ms until it is in state, or fails the test after d.
func waitClock(t *testing.T, pub *whipclient.Session, token, state string, d time.Duration) clockState {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c := clockOf(t, pub, token)
		if c.State == state {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the clock is %+v after %s, want %q", c, d, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A network cut of a few seconds (a phone between two cells, a lift) is not charged: the time limit pauses once
// no media has arrived for 1.5 s, as the candidate's page pauses its clock, and charges only up to the last packet.
// The clock the page shows says "paused" and stands still through the cut, and the take gets its whole time.
func TestShortCutsAreNotCharged(t *testing.T) {
	for _, cut := range []time.Duration{3 * time.Second, 5 * time.Second} {
		t.Run(cut.String(), func(t *testing.T) {
			t.Parallel()
			lim := test.TimeOut(90 * time.Second)
			defer lim.Stop()

			const (
				limit = 6 * time.Second
				grace = time.Second
				cutAt = 2 * time.Second // media time at which the network drops
				// what the clock may move between a reading before the cut and the pause (the reading's own
				// round trip and the packets after it), and the ends of the take may differ from the ideal
				tolerance = 400 * time.Millisecond
			)
			net := newNetwork(t, 0, 0)
			s := net.newServer(t, func(c *ingest.Config) {
				c.MaxAnswer, c.Grace = limit, grace
				c.DisconnectTimeout = 20 * time.Second // the cuts end the take by no other rule
			})
			st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, net.clientOptions(t))
			if c := clockOf(t, pub, st.WHIPToken); c.State != "connecting" || c.LimitMS != limit.Milliseconds() ||
				c.RemainingMS != c.LimitMS || c.RecordedMS != 0 {
				t.Fatalf("clock before any media: %+v", c)
			}

			// the camera runs on through the cut until the server hangs up
			defer streamOn(t, pub)()

			running := waitClock(t, pub, st.WHIPToken, "recording", 5*time.Second)
			time.Sleep(cutAt - time.Duration(running.RecordedMS)*time.Millisecond)
			before := clockOf(t, pub, st.WHIPToken)
			net.cut.Store(true)
			cutStart := time.Now()
			if before.State != "recording" || before.RemainingMS >= limit.Milliseconds() {
				t.Fatalf("clock while recording: %+v", before)
			}

			paused := waitClock(t, pub, st.WHIPToken, "paused", 3*time.Second)
			if moved := time.Duration(before.RemainingMS-paused.RemainingMS) * time.Millisecond; moved < 0 || moved > tolerance {
				t.Errorf("the clock moved %s from the reading before the cut to the pause (%+v, then %+v)", moved,
					before, paused)
			}
			time.Sleep(time.Until(cutStart.Add(cut)))
			late := clockOf(t, pub, st.WHIPToken)
			if late.State != "paused" || late.RemainingMS != paused.RemainingMS || late.RecordedMS != paused.RecordedMS {
				t.Errorf("clock at the end of the %s cut %+v, want it paused as at the start %+v", cut, late, paused)
			}
			net.cut.Store(false)
			restored := time.Now()

			back := waitClock(t, pub, st.WHIPToken, "recording", 5*time.Second)
			if back.RemainingMS > paused.RemainingMS || paused.RemainingMS-back.RemainingMS > time.Since(restored).Milliseconds() {
				t.Errorf("clock after the cut %+v: it must go on from the pause %+v", back, paused)
			}

			// the clock runs to the limit as the page shows it, then the take ends (404) at the limit and its grace
			last := back
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				res, body := request(t, http.MethodGet, pub.Location(), "", "Bearer "+st.WHIPToken, "")
				if res.StatusCode == http.StatusNotFound {
					break
				}
				if err := json.Unmarshal([]byte(body), &last); res.StatusCode != http.StatusOK || err != nil {
					t.Fatalf("clock: %d %s", res.StatusCode, body)
				}
				if time.Now().After(deadline) {
					t.Fatalf("the take still records 30 s after the cut: %+v", last)
				}
			}
			ended := time.Since(restored)
			answer := waitForStatus(t, s, st.ID, "complete", 10*time.Second)
			d := time.Duration(answer.GetInt("duration_ms")) * time.Millisecond
			t.Logf("take ended %s after the %s cut; %s long; the clock read last %+v", ended.Round(100*time.Millisecond),
				cut, d, last)
			if charged := time.Duration(last.RecordedMS) * time.Millisecond; charged < limit-tolerance || last.RemainingMS > tolerance.Milliseconds() {
				t.Errorf("the clock read last %+v: the take ended before its %s limit was recorded", last, limit)
			}
			if rest := time.Duration(paused.RemainingMS)*time.Millisecond + grace - tolerance; ended < rest {
				t.Errorf("the take ended %s after the cut, with %s of its time left then", ended, rest+tolerance)
			}
			// the file has the limit, and the cut, as the recorder keeps media time; not the grace
			if d < limit+cut-tolerance || d > limit+cut+tolerance {
				t.Errorf("%s recorded around a %s cut, want the %s limit besides the cut", d, cut, limit)
			}
			checkPlayable(t, videoPath(t, s, answer), d, 0)
		})
	}
}
