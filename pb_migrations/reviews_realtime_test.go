package pb_migrations_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/takeone/takeone/internal/testapp"
)

// sseEvent is one realtime message: a record change.
type sseEvent struct {
	Action string `json:"action"`
	Record struct {
		ID     string `json:"id"`
		Rating int    `json:"rating"`
	} `json:"record"`
}

// subscriber is a team member's realtime connection, subscribed to every review.
type subscriber struct {
	who    string
	events chan sseEvent
}

// subscribe opens PocketBase's realtime stream as user and subscribes it to reviews/*.
func subscribe(t *testing.T, base, user string) *subscriber {
	t.Helper()
	res, err := http.Get(base + "/api/realtime")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	connected := make(chan string, 1)
	s := &subscriber{who: user, events: make(chan sseEvent, 16)}
	go func() {
		sc := bufio.NewScanner(res.Body)
		name := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event:"):
				name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data := strings.TrimPrefix(line, "data:")
				if name == "PB_CONNECT" {
					var c struct{ ClientID string }
					json.Unmarshal([]byte(data), &c)
					connected <- c.ClientID
					continue
				}
				var e sseEvent
				if json.Unmarshal([]byte(data), &e) == nil {
					s.events <- e
				}
			}
		}
	}()
	var clientID string
	select {
	case clientID = <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("no PB_CONNECT from the realtime stream")
	}
	call(t, base, user, http.MethodPost, "/api/realtime", `{"clientId":"`+clientID+`","subscriptions":["reviews/*"]}`, http.StatusNoContent)
	return s
}

// next is the next review event this subscriber receives.
func (s *subscriber) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("%s received no review event in 10 s", s.who)
		return sseEvent{}
	}
}

// expect checks that the next event s receives is action on id: events come in order, so an event s must not
// receive would have come first.
func (s *subscriber) expect(t *testing.T, action, id string) {
	t.Helper()
	if e := s.next(t); e.Action != action || e.Record.ID != id {
		t.Fatalf("%s received %s %s, want %s %s", s.who, e.Action, e.Record.ID, action, id)
	}
}

func call(t *testing.T, base, user, method, path, body string, want int) string {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range tpl.Auth(user) {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, user, res.StatusCode, want, b)
	}
	return string(b)
}

// Realtime events of reviews follow the same blind rule as the list: nobody is sent a rating of an answer they
// have not rated, nor anything of another interview.
func TestReviewEventsAreBlindToo(t *testing.T) {
	t.Parallel()
	app := tpl.New(t)
	t.Cleanup(app.Cleanup)
	srv := httptest.NewServer(Mux(t, app)) // loopback
	t.Cleanup(srv.Close)                   // after the streams below are closed (cleanups run last first)
	base := srv.URL

	rated := subscribe(t, base, Reviewer)           // rated AnswerOne (ReviewOne)
	notYet := subscribe(t, base, RecruiterOnTeam)   // on the team, not rated
	elsewhere := subscribe(t, base, OtherRecruiter) // another interview's team
	overseer := subscribe(t, base, Admin)           // admin off the team

	create := func(user, answer string, rating int) string {
		body := call(t, base, user, http.MethodPost, "/api/collections/reviews/records",
			`{"candidate":"`+CandidateOne+`","answer":"`+answer+`","author":"`+user+`","rating":`+strconv.Itoa(rating)+`}`, http.StatusOK)
		var r struct{ ID string }
		json.Unmarshal([]byte(body), &r)
		return r.ID
	}

	// the owner rates: the rater and the admin hear of it, the one who has not rated does not
	owners := create(Recruiter, AnswerOne, 3)
	rated.expect(t, "create", owners)
	overseer.expect(t, "create", owners)

	// the team recruiter rates: the first event they receive is their own
	mine := create(RecruiterOnTeam, AnswerOne, 5)
	notYet.expect(t, "create", mine)
	rated.expect(t, "create", mine)
	overseer.expect(t, "create", mine)

	// having rated, they now hear of changes to the others' reviews
	call(t, base, Reviewer, http.MethodPatch, "/api/collections/reviews/records/"+ReviewOne, `{"rating":1}`, http.StatusOK)
	if e := notYet.next(t); e.Action != "update" || e.Record.ID != ReviewOne || e.Record.Rating != 1 {
		t.Fatalf("after rating, %s received %+v, want the update of %s", RecruiterOnTeam, e, ReviewOne)
	}

	// another interview's team heard nothing of all this: their first event is their own change
	call(t, base, OtherRecruiter, http.MethodPatch, "/api/collections/reviews/records/"+ReviewTwo, `{"rating":3}`, http.StatusOK)
	elsewhere.expect(t, "update", ReviewTwo)
	// and nobody on interview One hears of interview Two, except the admin
	overseer.expect(t, "update", ReviewOne)
	overseer.expect(t, "update", ReviewTwo)
	call(t, base, Reviewer, http.MethodDelete, "/api/collections/reviews/records/"+ReviewOne, "", http.StatusNoContent)
	rated.expect(t, "update", ReviewOne)
	rated.expect(t, "delete", ReviewOne)
	notYet.expect(t, "delete", ReviewOne)
}
