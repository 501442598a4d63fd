package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

// sseEvent is one server-sent event of PocketBase's realtime API.
type sseEvent struct {
	name string
	data string
}

// answerEvent is the data of a realtime event about an answer.
type answerEvent struct {
	Action string `json:"action"`
	Record struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"record"`
}

// subscriber is a team member's browser tab listening to PocketBase's realtime API over a real HTTP connection:
// GET /api/realtime (server-sent events), then POST /api/realtime with the client id and the subscriptions.
type subscriber struct {
	events chan sseEvent
	done   chan struct{}
}

// subscribe connects as user (a fixture id) and subscribes to the collections; it ends with the test.
func subscribe(t *testing.T, s *server, user string, collections ...string) *subscriber {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	transport := &http.Transport{}
	client := &http.Client{Transport: transport}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /api/realtime: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	sub := &subscriber{events: make(chan sseEvent, 64), done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(sub.done)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					select {
					case sub.events <- ev:
					case <-ctx.Done():
						return
					}
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event:"):
				ev.name = strings.TrimPrefix(line, "event:")
			case strings.HasPrefix(line, "data:"):
				ev.data += strings.TrimPrefix(line, "data:")
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		transport.CloseIdleConnections()
	})

	connect := sub.next(t, 5*time.Second)
	var hello struct {
		ClientID string `json:"clientId"`
	}
	if connect.name != "PB_CONNECT" || json.Unmarshal([]byte(connect.data), &hello) != nil || hello.ClientID == "" {
		t.Fatalf("first event %+v, want PB_CONNECT with a client id", connect)
	}
	body, _ := json.Marshal(map[string]any{"clientId": hello.ClientID, "subscriptions": collections})
	res2, text := request(t, http.MethodPost, s.URL+"/api/realtime", "application/json",
		tpl.Auth(user)["Authorization"], string(body))
	if res2.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /api/realtime as %s: %d %s", user, res2.StatusCode, text)
	}
	return sub
}

// next returns the next event, or fails the test after within.
func (sub *subscriber) next(t *testing.T, within time.Duration) sseEvent {
	t.Helper()
	select {
	case ev := <-sub.events:
		return ev
	case <-sub.done:
		t.Fatal("the realtime connection closed")
	case <-time.After(within):
		t.Fatalf("no realtime event within %s", within)
	}
	return sseEvent{}
}

// nextAnswer returns the next event about an answer, decoded.
func (sub *subscriber) nextAnswer(t *testing.T, within time.Duration) answerEvent {
	t.Helper()
	ev := sub.next(t, within)
	var a answerEvent
	if ev.name != "answers" || json.Unmarshal([]byte(ev.data), &a) != nil {
		t.Fatalf("event %q %s, want one about answers", ev.name, ev.data)
	}
	return a
}

// The hiring team sees an answer come in live: a reviewer on the interview's team, subscribed to answers over
// the realtime API, is told when the take starts (recording) and when it is complete, without asking; a reviewer
// of other interviews, subscribed the same way, hears nothing of it.
func TestTeamSeesAnswersLive(t *testing.T) {
	t.Parallel()
	lim := test.TimeOut(60 * time.Second)
	defer lim.Stop()

	s := newServer(t, nil)
	team := subscribe(t, s, testapp.Reviewer, "answers")
	outsider := subscribe(t, s, testapp.OtherReviewer, "answers")

	st, pub := publish(t, s, testapp.CandidateOne, testapp.QuestionSpare, whipclient.Options{LoopbackOnly: true})
	created := team.nextAnswer(t, 5*time.Second)
	if created.Action != "create" || created.Record.ID != st.ID || created.Record.Status != "recording" {
		t.Fatalf("first event %+v, want the create of answer %s, recording", created, st.ID)
	}
	if err := pub.Stream(t.Context(), clip, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	for {
		ev := team.nextAnswer(t, 5*time.Second)
		if ev.Action != "update" || ev.Record.ID != st.ID {
			t.Fatalf("event %+v, want updates of answer %s", ev, st.ID)
		}
		if ev.Record.Status == "complete" {
			break
		}
	}

	// The outsider's events would have been sent with the team's: give them a moment to show up anyway.
	select {
	case ev := <-outsider.events:
		t.Fatalf("a reviewer outside the interview's team got %q %s", ev.name, ev.data)
	case <-time.After(500 * time.Millisecond):
	}
}
