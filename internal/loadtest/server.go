package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/pb_migrations"
)

// recorderServer is a real `takeone serve` with a fresh data dir, one open interview with one question, and one
// invited candidate per take (a candidate records one take at a time).
type recorderServer struct {
	*child
	url      string
	dataDir  string
	api      *restClient // as the superuser
	question string
	links    []string // candidates' link tokens
}

// startRecorderServer creates a superuser in a fresh data dir under dir, then starts `takeone serve` on a free
// loopback port with room for sessions live takes of the given length.
func startRecorderServer(ctx context.Context, bin, dir string, sessions int, seconds int) (*recorderServer, error) {
	dataDir := filepath.Join(dir, "data")
	email, password := "loadtest@example.com", randomHex(16)
	out, err := commandOutput(ctx, bin, dir, "superuser", "upsert", email, password, "--dir", dataDir)
	if err != nil {
		return nil, fmt.Errorf("takeone superuser upsert: %w: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := []string{
		"TAKEONE_RECORDING_MAX_SESSIONS=" + strconv.Itoa(sessions+10),
		"TAKEONE_RECORDING_MAX_ANSWER_SECONDS=" + strconv.Itoa(answerSeconds(seconds)),
	}
	c, err := startChild("takeone serve", "serve.log", bin, dir, env, "serve", "--http", addr, "--dir", dataDir)
	if err != nil {
		return nil, err
	}
	s := &recorderServer{child: c, url: "http://" + addr, dataDir: dataDir, api: &restClient{base: "http://" + addr, http: httpClient(sessions)}}
	readyCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.waitHealthy(readyCtx, s.api.http, s.url+"/api/health"); err != nil {
		_ = c.stop(5 * time.Second)
		return nil, err
	}
	var auth struct{ Token string }
	if err := s.api.call(ctx, "POST", "/api/collections/_superusers/auth-with-password",
		map[string]string{"identity": email, "password": password}, &auth); err != nil {
		_ = c.stop(5 * time.Second)
		return nil, c.failure(err)
	}
	s.api.token = auth.Token
	return s, nil
}

// answerSeconds is the question's time limit: the take's length with room to spare, never under the minimum of 10.
func answerSeconds(seconds int) int { return max(10, seconds+30) }

// prepare creates a recruiter, an open interview with one question, and n candidates with their links.
func (s *recorderServer) prepare(ctx context.Context, n, seconds int) error {
	var owner, interview, question struct{ ID string }
	password := randomHex(16)
	if err := s.api.call(ctx, "POST", "/api/collections/users/records", map[string]any{"name": "Load Test Recruiter",
		"email": "recruiter@example.com", "role": pb_migrations.RoleRecruiter, "password": password, "passwordConfirm": password}, &owner); err != nil {
		return err
	}
	if err := s.api.call(ctx, "POST", "/api/collections/interviews/records",
		map[string]any{"title": "Load test", "status": pb_migrations.InterviewOpen, "owner": owner.ID}, &interview); err != nil {
		return err
	}
	if err := s.api.call(ctx, "POST", "/api/collections/questions/records", map[string]any{"interview": interview.ID,
		"prompt": "Tell us about yourself", "answer_seconds": answerSeconds(seconds)}, &question); err != nil {
		return err
	}
	s.question = question.ID
	s.links = make([]string, n)
	return forEach(ctx, n, 4, func(i int) error {
		var candidate, link struct {
			ID  string
			URL string
		}
		if err := s.api.call(ctx, "POST", "/api/collections/candidates/records", map[string]any{"interview": interview.ID,
			"name": fmt.Sprintf("Candidate %d", i+1), "email": fmt.Sprintf("candidate%d@example.com", i+1),
			"consent_at": time.Now().UTC().Format(time.RFC3339)}, &candidate); err != nil {
			return err
		}
		if err := s.api.call(ctx, "POST", "/api/takeone/candidates/"+candidate.ID+"/link", nil, &link); err != nil {
			return err
		}
		if len(link.URL) < 43 {
			return fmt.Errorf("the link %q holds no token", link.URL)
		}
		s.links[i] = link.URL[len(link.URL)-43:]
		return nil
	})
}

// startTake asks for a take as candidate i does.
func (s *recorderServer) startTake(ctx context.Context, i int) (takeTicket, error) {
	var t struct {
		ID        string `json:"id"`
		WHIPURL   string `json:"whip_url"`
		WHIPToken string `json:"whip_token"`
	}
	candidate := &restClient{base: s.url, http: s.api.http}
	err := candidate.call(ctx, "POST", "/api/takeone/session/"+s.links[i]+"/questions/"+s.question+"/takes", nil, &t)
	return takeTicket{id: t.ID, whipURL: t.WHIPURL, token: t.WHIPToken}, err
}

// ended checks the DELETE's answer: the take must be saved as complete.
func (s *recorderServer) ended(_ takeTicket, body []byte) (int64, error) {
	var a struct {
		ID     string                     `json:"id"`
		Status pb_migrations.AnswerStatus `json:"status"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return 0, fmt.Errorf("the DELETE answer is not JSON: %q", body)
	}
	if a.Status != pb_migrations.AnswerComplete {
		return 0, fmt.Errorf("the answer was saved as %q, want complete", a.Status)
	}
	return 0, nil
}

// recordedFrames probes the answer's saved file, read from the data dir's storage.
func (s *recorderServer) recordedFrames(ctx context.Context, t takeTicket) (int64, error) {
	var a struct {
		CollectionID string `json:"collectionId"`
		Video        string `json:"video"`
		Status       string `json:"status"`
	}
	if err := s.api.call(ctx, "GET", "/api/collections/answers/records/"+t.id, nil, &a); err != nil {
		return 0, err
	}
	if a.Video == "" {
		return 0, fmt.Errorf("answer %s (%s) has no video file", t.id, a.Status)
	}
	info, err := mediacheck.Probe(filepath.Join(s.dataDir, "storage", a.CollectionID, t.id, a.Video))
	if err != nil {
		return 0, err
	}
	return int64(info.VideoFrames), nil
}

// restClient calls the REST API as one identity.
type restClient struct {
	base  string
	token string
	http  *http.Client
}

// call sends in as JSON and decodes the answer into out; any status from 300 up is an error that quotes the body.
func (r *restClient) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", r.token)
	}
	res, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w: %s", method, path, err, raw)
		}
	}
	return nil
}

// httpClient keeps a connection per live take, so that no request waits for a connection another take holds.
func httpClient(sessions int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // the standard library's own
	t.MaxIdleConnsPerHost = sessions + 4
	return &http.Client{Transport: t, Timeout: 2 * time.Minute}
}

// forEach runs fn for 0..n-1 on up to workers goroutines and returns the first error.
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// commandOutput runs bin to its end (bounded by ctx) and returns what it printed.
func commandOutput(ctx context.Context, bin, dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: the runtime aborts rather than return weak randomness
	return hex.EncodeToString(b)
}
