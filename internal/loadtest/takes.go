package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/takeone/takeone/internal/whipclient"
)

// takeTicket is what a publisher needs to publish one take.
type takeTicket struct {
	id      string // the answer's id (recorder only)
	whipURL string
	token   string
}

// target is what the publishers load: the recorder or the bare receiver.
type target interface {
	// startTake gets take i its WHIP URL and token (the recorder: the candidate's take request).
	startTake(ctx context.Context, i int) (takeTicket, error)
	// ended checks DELETE's answer and returns the frames the target counted, if it counts them then.
	ended(t takeTicket, body []byte) (int64, error)
}

// takeResult is what one publisher saw.
type takeResult struct {
	ticket   takeTicket
	setup    time.Duration // take request (or WHIP offer) to connected
	deleted  time.Duration // DELETE sent to its answer received
	sent     int64         // video frames written to the track
	received int64         // video frames the target got (baseline) or recorded (recorder)
	err      error
}

// Bounds of one take's steps: a take that needs longer has failed.
const (
	setupTimeout  = 90 * time.Second
	deleteTimeout = 60 * time.Second // the server itself gives up waiting for the save after 30 s
)

// runTakes starts n takes at the same instant and streams the clip to each for d, then ends each with DELETE.
func runTakes(ctx context.Context, tg target, n int, clip Clip, d time.Duration, client *http.Client) []takeResult {
	results := make([]takeResult, n)
	release := make(chan struct{})
	var ready, wg sync.WaitGroup
	for i := range n {
		ready.Add(1)
		wg.Go(func() {
			ready.Done()
			<-release
			results[i] = oneTake(ctx, tg, i, clip, d, client)
		})
	}
	ready.Wait() // every goroutine is parked on release, so the takes start together
	close(release)
	wg.Wait()
	return results
}

func oneTake(ctx context.Context, tg target, i int, clip Clip, d time.Duration, client *http.Client) (r takeResult) {
	start := time.Now()
	setupCtx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	t, err := tg.startTake(setupCtx, i)
	r.ticket = t
	if err != nil {
		r.err = fmt.Errorf("take request: %w", err)
		return r
	}
	s, err := whipclient.Publish(setupCtx, t.whipURL, t.token, whipclient.Options{LoopbackOnly: true, HTTP: client})
	if err != nil {
		r.err = fmt.Errorf("publish: %w", err)
		return r
	}
	defer s.Abort()
	r.setup = time.Since(start)

	err = s.Stream(ctx, clip.Media(), d)
	r.sent = s.VideoFrames.Load()
	if err != nil {
		r.err = fmt.Errorf("stream: %w", err)
		return r
	}

	// DELETE by hand rather than with Session.Stop, so that the time is the server's answer alone, without closing
	// our own peer connection
	deleteCtx, cancel := context.WithTimeout(ctx, deleteTimeout)
	defer cancel()
	sent := time.Now()
	body, err := deleteSession(deleteCtx, client, s.Location(), t.token)
	r.deleted = time.Since(sent)
	if err != nil {
		r.err = fmt.Errorf("DELETE: %w", err)
		return r
	}
	if r.received, err = tg.ended(t, body); err != nil {
		r.err = err
	}
	return r
}

// deleteSession ends a WHIP session and returns the answer's body; anything but 200 is an error.
func deleteSession(ctx context.Context, client *http.Client, location, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, location, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return body, fmt.Errorf("%s: %s", res.Status, body)
	}
	return body, nil
}
