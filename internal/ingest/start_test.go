package ingest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// started is what starting a take answers. The routes that start takes, and their tests, are the candidate's
// (internal/session) and the team's (internal/teamapi); the recorder's tests start takes through them.
type started struct {
	ID         string `json:"id"`
	WHIPURL    string `json:"whip_url"`
	WHIPToken  string `json:"whip_token"`
	MaxSeconds int    `json:"max_seconds"`
}

func request(t *testing.T, method, url, contentType, auth, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// startTake asks for a take as the candidate's page does.
func (s *server) startTake(t *testing.T, token, question string) (*http.Response, string, started) {
	t.Helper()
	res, body := request(t, http.MethodPost, s.URL+"/api/takeone/session/"+token+"/questions/"+question+"/takes", "application/json", "", "")
	var st started
	if res.StatusCode == http.StatusCreated {
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatalf("take response %s: %v", body, err)
		}
	}
	return res, body, st
}
