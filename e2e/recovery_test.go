package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/whipclient"
)

// rest calls the REST API as one identity.
type rest struct {
	t      testing.TB
	base   string
	token  string
	client *http.Client // nil: http.DefaultClient
}

func (r *rest) call(method, path string, in any, out any) int {
	r.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(r.t.Context(), method, r.base+path, body)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", r.token)
	}
	client := r.client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			r.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	if res.StatusCode >= 300 && out != nil {
		r.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

type record struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Video      string `json:"video"`
	DurationMS int    `json:"duration_ms"`
	Token      string `json:"token"`
	URL        string `json:"url"`
}

// download saves what url answers into a temporary file and returns its path and the response (body read).
func download(t testing.TB, url string) (string, *http.Response) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	f, err := os.CreateTemp(t.TempDir(), "download-*.webm")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, res.Body); err != nil {
		t.Fatal(err)
	}
	return f.Name(), res
}

// makeCandidate creates, as an operator, a recruiter, an open interview with one question, and a candidate; it
// returns the candidate's link token and the question's id.
func makeCandidate(t testing.TB, api *rest) (token, question string) {
	var owner, interview, q, candidate, link record
	api.call("POST", "/api/collections/users/records", map[string]any{"name": "Riley Recruiter", "email": "riley@example.com",
		"role": "recruiter", "password": "a long passphrase", "passwordConfirm": "a long passphrase"}, &owner)
	api.call("POST", "/api/collections/interviews/records", map[string]any{"title": "Support engineer", "status": "open", "owner": owner.ID}, &interview)
	api.call("POST", "/api/collections/questions/records", map[string]any{"interview": interview.ID, "prompt": "Tell us about yourself", "answer_seconds": 60}, &q)
	api.call("POST", "/api/collections/candidates/records", map[string]any{"interview": interview.ID, "name": "Ada", "email": "ada@example.com",
		"consent_at": time.Now().UTC().Format(time.RFC3339)}, &candidate)
	api.call("POST", "/api/takeone/candidates/"+candidate.ID+"/link", nil, &link)
	return link.URL[len(link.URL)-43:], q.ID
}

// kill -9 in the middle of an answer: the next start repairs the take into a playable, seekable file, marked
// interrupted, and only a short file token opens it.
func TestTakeSurvivesAServerCrash(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	if out, err := exec.Command(binary, "superuser", "upsert", "ops@example.com", "operator passphrase", "--dir", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v %s", err, out)
	}
	s := startServer(t, nil, "serve", "--http", addr, "--dir", dataDir)
	api := &rest{t: t, base: s.URL}
	var auth struct{ Token string }
	api.call("POST", "/api/collections/_superusers/auth-with-password", map[string]string{"identity": "ops@example.com", "password": "operator passphrase"}, &auth)
	api.token = auth.Token
	token, question := makeCandidate(t, api)

	var take struct {
		ID        string `json:"id"`
		WHIPURL   string `json:"whip_url"`
		WHIPToken string `json:"whip_token"`
	}
	candidate := &rest{t: t, base: s.URL}
	candidate.call("POST", "/api/takeone/session/"+token+"/questions/"+question+"/takes", nil, &take)
	media := testMedia(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pub, err := whipclient.Publish(ctx, take.WHIPURL, take.WHIPToken, whipclient.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Abort()
	if err := pub.Stream(ctx, whipclient.ClipIn(media), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done

	s = startServer(t, nil, "serve", "--http", addr, "--dir", dataDir)
	api.base = s.URL
	var answer record
	api.call("GET", "/api/collections/answers/records/"+take.ID, nil, &answer)
	if answer.Status != "interrupted" || answer.Video == "" {
		t.Fatalf("after the crash the answer is %+v, want interrupted with its video", answer)
	}
	if answer.DurationMS < 2500 {
		t.Errorf("kept %d ms of a 5 s answer (clusters reach the disk every 2 s)", answer.DurationMS)
	}

	fileURL := "/api/files/answers/" + take.ID + "/" + answer.Video
	if code := (&rest{t: t, base: s.URL}).call("GET", fileURL, nil, nil); code == http.StatusOK {
		t.Fatal("the video downloads without a file token")
	}
	var fileToken record
	api.call("POST", "/api/files/token", nil, &fileToken)
	path, res := download(t, s.URL+fileURL+"?token="+fileToken.Token)
	if res.StatusCode != 200 {
		t.Fatalf("download with a file token: %d", res.StatusCode)
	}
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the repaired answer does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Seekable {
		t.Fatal("the repaired answer has no Cues")
	}
	if err := mediacheck.SeekFrame(path, info.Duration/2); err != nil {
		t.Fatalf("seeking the repaired answer: %v", err)
	}
}
