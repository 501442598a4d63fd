package ingest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/whipclient"
)

// Stop tells the page whether the live recording kept everything its camera gave, so that the page uploads its
// own copy only when that improves the answer: a whole take of the camera's size says so; the same take from a
// camera that gives more does not.
func TestStopSaysWhetherTheLiveCopyIsWhole(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	token := s.token(t, testapp.CandidateOne)
	question, err := s.app.FindRecordById("questions", testapp.QuestionSpare)
	if err != nil {
		t.Fatal(err)
	}
	question.Set("retakes", 1)
	if err := s.app.Save(question); err != nil {
		t.Fatal(err)
	}
	base := s.URL + "/api/takeone/session/" + token + "/questions/"
	for _, bad := range []string{`{"camera": "hd"}`, `{"camera": {"width": 0, "height": 480, "frame_rate": 30}}`} {
		res, body := request(t, http.MethodPost, base+testapp.QuestionSpare+"/takes", "application/json", "", bad)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "camera") {
			t.Errorf("start with %s: %d %s, want 400 about the camera", bad, res.StatusCode, body)
		}
	}
	for _, c := range []struct {
		camera string
		whole  bool
	}{
		{`{"camera": {"width": 640, "height": 480, "frame_rate": 30}}`, true},
		{`{"camera": {"width": 1280, "height": 720, "frame_rate": 30}}`, false},
	} {
		res, body := request(t, http.MethodPost, base+testapp.QuestionSpare+"/takes", "application/json", "", c.camera)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("start: %d %s", res.StatusCode, body)
		}
		var st started
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		pub, err := whipclient.Publish(ctx, st.WHIPURL, st.WHIPToken, whipclient.Options{LoopbackOnly: true})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Stream(t.Context(), clip, 3*time.Second); err != nil {
			t.Fatal(err)
		}
		stopped, err := pub.Stop(t.Context())
		pub.Abort()
		if err != nil {
			t.Fatal(err)
		}
		var end struct {
			Status     string `json:"status"`
			Whole      bool   `json:"whole"`
			DurationMs int64  `json:"duration_ms"`
		}
		if err := json.Unmarshal([]byte(stopped), &end); err != nil {
			t.Fatalf("DELETE answered %q: %v", stopped, err)
		}
		if end.Status != "complete" || end.Whole != c.whole || end.DurationMs < 2800 {
			t.Errorf("a %dx%d take from a camera %s: DELETE said %s, want complete, whole %v, ~3 s", testmedia.Default.Width,
				testmedia.Default.Height, c.camera, stopped, c.whole)
		}
	}
}
