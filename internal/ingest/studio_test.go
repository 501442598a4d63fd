package ingest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

// startStudio asks, as a team member, for a take of a welcome or question video.
func (s *server) startStudio(t *testing.T, user, path string) (*http.Response, string, started) {
	t.Helper()
	auth := ""
	if user != "" {
		auth = tpl.Tokens[user]
	}
	res, body := request(t, http.MethodPost, s.URL+path, "application/json", auth, "")
	var st started
	if res.StatusCode == http.StatusCreated {
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
	}
	return res, body, st
}

// recordStudio records seconds of the clip as user for path and returns what DELETE answered.
func (s *server) recordStudio(t *testing.T, user, path string, seconds time.Duration) string {
	t.Helper()
	res, body, st := s.startStudio(t, user, path)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("start: %d %s", res.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pub, err := whipclient.Publish(ctx, st.WHIPURL, st.WHIPToken, whipclient.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Abort()
	if err := pub.Stream(ctx, clip, seconds); err != nil {
		t.Fatal(err)
	}
	out, err := pub.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The team records an interview's welcome video and a question's video through the same recorder; a new
// recording replaces the old one.
func TestTeamRecordsWelcomeAndQuestionVideos(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	welcome := "/api/takeone/interviews/" + testapp.InterviewOne + "/welcome-video/takes"
	if out := s.recordStudio(t, testapp.Recruiter, welcome, 3*time.Second); !strings.Contains(out, `"status":"complete"`) {
		t.Fatalf("DELETE: %s", out)
	}
	interview, err := s.app.FindRecordById("interviews", testapp.InterviewOne)
	if err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(s.app.DataDir(), "storage", interview.BaseFilesPath(), interview.GetString("welcome_video"))
	if !strings.HasPrefix(interview.GetString("welcome_video"), "welcome_video_") {
		t.Fatalf("welcome_video = %q", interview.GetString("welcome_video"))
	}
	checkPlayable(t, first, 3*time.Second, 0)
	if answers, _ := s.app.CountRecords("answers"); answers != 2 {
		t.Errorf("a studio take made an answer: %d answers", answers)
	}

	// again, by a recruiter on the team: the new video replaces the old one, whose file is deleted
	s.recordStudio(t, testapp.RecruiterOnTeam, welcome, 2*time.Second)
	interview, _ = s.app.FindRecordById("interviews", testapp.InterviewOne)
	second := filepath.Join(s.app.DataDir(), "storage", interview.BaseFilesPath(), interview.GetString("welcome_video"))
	if second == first {
		t.Fatal("the second recording kept the first name")
	}
	checkPlayable(t, second, 2*time.Second, 0)
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Errorf("the replaced video is still on disk: %v", err)
	}

	s.recordStudio(t, testapp.Admin, "/api/takeone/questions/"+testapp.QuestionOne+"/video/takes", 2*time.Second)
	q, _ := s.app.FindRecordById("questions", testapp.QuestionOne)
	checkPlayable(t, filepath.Join(s.app.DataDir(), "storage", q.BaseFilesPath(), q.GetString("video")), 2*time.Second, 0)
}
