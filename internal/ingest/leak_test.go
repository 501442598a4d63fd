package ingest_test

import (
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

// goroutineSet is the goroutines alive at one moment, by id, with their stacks.
type goroutineSet map[int]string

func liveGoroutines() goroutineSet {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	set := goroutineSet{}
	for _, stack := range strings.Split(string(buf), "\n\n") {
		var id int
		if _, err := fmt.Sscanf(stack, "goroutine %d ", &id); err == nil {
			set[id] = stack
		}
	}
	return set
}

// serverOwned are goroutines of the server that may start at any time, whatever the take does: PocketBase's cron
// starts its ticker loop at the first full minute after the app starts.
var serverOwned = []string{"pocketbase/tools/cron.(*Cron).Start"}

// checkGoroutinesEnded fails the test when goroutines started since before are still running within wait: the
// server's own (its engine, PocketBase, the HTTP server) were there before, so whatever is left belongs to what
// happened since. The test's keep-alive HTTP connections are closed first.
func checkGoroutinesEnded(t *testing.T, before goroutineSet, wait time.Duration) {
	t.Helper()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(wait)
	for {
		var left []string
		for id, stack := range liveGoroutines() {
			_, old := before[id]
			if !old && !slices.ContainsFunc(serverOwned, func(s string) bool { return strings.Contains(stack, s) }) {
				left = append(left, stack)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			slices.Sort(left)
			t.Fatalf("%d goroutines outlive the take:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A finished take leaves nothing running: its timers, track readers, recorder, peer connection (pion's ICE,
// DTLS, SRTP and interceptor goroutines) and the publisher's all end with it, whether the client said goodbye or
// vanished. (A client whose network is cut without a word: TestConnectionCutWithoutGoodbye.)
func TestNoGoroutineOutlivesATake(t *testing.T) {
	for _, tc := range []struct {
		name   string
		end    func(t *testing.T, pub *whipclient.Session)
		status string
	}{
		{"ended by DELETE", func(t *testing.T, pub *whipclient.Session) {
			if _, err := pub.Stop(t.Context()); err != nil {
				t.Fatal(err)
			}
		}, "complete"},
		{"client killed", func(_ *testing.T, pub *whipclient.Session) { pub.Abort() }, "interrupted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := test.TimeOut(60 * time.Second)
			defer lim.Stop()

			s := newServer(t, nil)
			http.DefaultClient.CloseIdleConnections()
			before := liveGoroutines()
			st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
			if err := pub.Stream(t.Context(), clip, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			tc.end(t, pub)
			waitForStatus(t, s, st.ID, tc.status, 30*time.Second)
			if s.ingest.Live() != 0 {
				t.Fatalf("%d takes live after the take ended", s.ingest.Live())
			}
			checkGoroutinesEnded(t, before, 10*time.Second)
		})
	}
}
