package session_test

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/pb_migrations"
)

// checkPlays fetches a recording as a browser's player does, in ranges, and checks that the whole file is a WebM
// of about want that decodes and seeks.
func checkPlays(t *testing.T, s *server, url string, want time.Duration) {
	t.Helper()
	res, whole := s.do(t, http.MethodGet, url, "", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "video/webm" || len(whole) < 10_000 {
		t.Fatalf("GET %s: %d %s, %d bytes", url, res.StatusCode, res.Header.Get("Content-Type"), len(whole))
	}
	if cd := res.Header.Get("Content-Disposition"); strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q: the player gets a download", cd)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q: a recording must not stay in shared caches", cc)
	}
	size := len(whole)
	for _, r := range []struct {
		header     string
		start, end int // inclusive
	}{
		{"bytes=0-1023", 0, 1023},
		{"bytes=" + strconv.Itoa(size/2) + "-", size / 2, size - 1}, // a seek to the middle
		{"bytes=-100", size - 100, size - 1},                        // the Cues at the end
	} {
		res, part := s.do(t, http.MethodGet, url, "", map[string]string{"Range": r.header})
		wantRange := "bytes " + strconv.Itoa(r.start) + "-" + strconv.Itoa(r.end) + "/" + strconv.Itoa(size)
		if res.StatusCode != http.StatusPartialContent || res.Header.Get("Content-Range") != wantRange ||
			!bytes.Equal(part, whole[r.start:r.end+1]) {
			t.Errorf("Range %s: %d, Content-Range %q (want %q), %d bytes", r.header, res.StatusCode,
				res.Header.Get("Content-Range"), wantRange, len(part))
		}
	}
	path := filepath.Join(t.TempDir(), "played.webm")
	if err := os.WriteFile(path, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the recording does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := info.Video(); !ok || !info.Seekable || info.Duration < want-300*time.Millisecond || info.Duration > want+300*time.Millisecond {
		t.Errorf("recording: %+v, want about %s with video and Cues", info, want)
	}
	if _, ok := info.Audio(); !ok {
		t.Error("the recording has no sound")
	}
}

// A take recorded over WHIP plays back for its candidate at once, with ranges so the player seeks; nobody else's
// link plays it.
func TestRecordedTakePlaysBack(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	st := s.start(t, token, testapp.QuestionSpare)
	record(t, st, 3*time.Second)

	q := question(t, s.view(t, token), testapp.QuestionSpare)
	if len(q.Takes) != 1 || q.Takes[0].ID != st.ID || q.Takes[0].Status != "complete" || q.Takes[0].VideoURL == "" ||
		q.Takes[0].DurationMS < 2800 || q.TakesLeft != 0 {
		t.Fatalf("question after the take: %+v", q)
	}
	checkPlays(t, s, q.Takes[0].VideoURL, 3*time.Second)
	s.expect(t, http.MethodGet, base(tokens[testapp.CandidateTwo])+"/answers/"+st.ID+"/video", "", http.StatusNotFound, "No such take of yours")
	s.expect(t, http.MethodGet, base(token)+"/answers/"+testapp.AnswerOne+"/video", "", http.StatusNotFound, "no recording")

	// the recorded take is the last answer: submitting it completes the interview
	if r := s.submit(t, token, st.ID); !r.Completed {
		t.Fatal("not completed")
	}
}

// practiceFiles are the practice recordings in the server's recordings dir.
func practiceFiles(t *testing.T, s *server) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(s.app.DataDir(), "recordings", "practice-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A practice take records and plays like any other but is never stored: no answer, one file at a time, deleted
// when the interview is complete.
func TestPracticeTake(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	update(t, s.app, "candidates", testapp.CandidateOne, map[string]any{"extra_time_percent": 50})
	answers, _ := s.app.CountRecords("answers")
	s.expect(t, http.MethodGet, base(token)+"/practice/practice-nothing0000/video", "", http.StatusNotFound, "practice take is gone")

	first := s.start(t, token, "")
	if first.MaxSeconds != 45 || !strings.HasPrefix(first.WHIPURL, s.URL+"/api/takeone/whip/") || len(first.WHIPToken) < 43 {
		t.Fatalf("practice take %+v, want 30 s + 50%%", first)
	}
	if v := s.view(t, token); v.Live == nil || v.Live.ID != first.ID || !v.Live.Practice {
		t.Fatalf("live take on the page: %+v", v.Live)
	}
	record(t, first, 3*time.Second)
	if v := s.view(t, token); v.Live != nil {
		t.Fatalf("live take after DELETE: %+v", v.Live)
	}
	checkPlays(t, s, base(token)+"/practice/"+first.ID+"/video", 3*time.Second)
	s.expect(t, http.MethodGet, base(tokens[testapp.CandidateTwo])+"/practice/"+first.ID+"/video", "", http.StatusNotFound, "practice take is gone")
	if n, _ := s.app.CountRecords("answers"); n != answers {
		t.Fatalf("%d answers after a practice take, want %d", n, answers)
	}
	if _, err := s.app.FindRecordById("answers", first.ID); err == nil {
		t.Fatal("the practice take has an answer")
	}

	// the next practice take replaces the first one
	second := s.start(t, token, "")
	record(t, second, time.Second)
	s.expect(t, http.MethodGet, base(token)+"/practice/"+first.ID+"/video", "", http.StatusNotFound, "practice take is gone")
	checkPlays(t, s, base(token)+"/practice/"+second.ID+"/video", time.Second)
	if files := practiceFiles(t, s); len(files) != 1 || !strings.Contains(files[0], second.ID) {
		t.Fatalf("practice files %v, want only the second take's", files)
	}

	// completing the interview deletes the practice recording
	last := take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)
	if r := s.submit(t, token, last.Id); !r.Completed {
		t.Fatal("not completed")
	}
	if files := practiceFiles(t, s); len(files) != 0 {
		t.Fatalf("practice files after completion: %v", files)
	}
}

// Completing the interview while a practice take is still live (another tab, a page that did not stop it) ends
// that take and deletes its recording: nothing is recorded after the interview is complete.
func TestCompletionEndsALivePracticeTake(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	st := s.start(t, token, "")
	publish(t, st, time.Second) // stays connected
	last := take(t, s.app, "", testapp.CandidateOne, testapp.QuestionSpare, "complete", true)
	if r := s.submit(t, token, last.Id); !r.Completed {
		t.Fatal("not completed")
	}
	if live, ok := s.ingest.LiveTake(ingest.Candidate{ID: testapp.CandidateOne}); ok {
		t.Fatalf("take %s still records after completion", live.ID)
	}
	if files := practiceFiles(t, s); len(files) != 0 {
		t.Fatalf("practice files after completion: %v", files)
	}
}

// A practice recording never outlives a restart: the next start deletes what a crash left, and nothing else.
func TestRecoverRemovesPracticeLeftovers(t *testing.T) {
	t.Parallel()
	app := tpl.Bare(t)
	defer app.Cleanup()
	dir := filepath.Join(app.DataDir(), "recordings")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(clipWebM)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"practice-leftover00001.webm", "practice-leftover00002.webm", "keepme000000001.webm"} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	in, err := ingest.New(app, nil, ingest.Config{Dir: dir, MaxSessions: 1, MaxAnswer: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Recover(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"practice-leftover00001.webm", "practice-leftover00002.webm"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s after the start: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "keepme000000001.webm")); err != nil {
		t.Errorf("a file that is no practice take is gone: %v", err)
	}
}

// An answer the page records and uploads has no file in the recordings dir: a restart leaves it recording, for
// its upload to finish it (package upload), rather than failing it.
func TestRecoverLeavesAnswersRecordedByUpload(t *testing.T) {
	t.Parallel()
	app := tpl.Bare(t)
	defer app.Cleanup()
	a := take(t, app, "", testapp.CandidateOne, testapp.QuestionSpare, string(pb_migrations.AnswerRecording), false)
	update(t, app, pb_migrations.Answers, a.Id, map[string]any{"source": pb_migrations.SourceUpload})
	in, err := ingest.New(app, nil, ingest.Config{Dir: filepath.Join(app.DataDir(), "recordings"), MaxSessions: 1, MaxAnswer: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Recover(); err != nil {
		t.Fatal(err)
	}
	if got, _ := app.FindRecordById(pb_migrations.Answers, a.Id); got == nil || got.GetString("status") != string(pb_migrations.AnswerRecording) {
		t.Errorf("after a restart the answer recorded by upload is %v, want still recording", got)
	}
}

// A page that was reloaded or closed leaves its take recording; DELETE live ends it as interrupted, what was said
// stays playable, and the question may be taken again although it allows no retake.
func TestInterruptLiveTake(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	s.expect(t, http.MethodDelete, base(token)+"/live", "", http.StatusNoContent, "") // nothing live: nothing happens

	st := s.start(t, token, testapp.QuestionSpare) // the question allows one take, no retake
	publish(t, st, 2*time.Second)
	if v := s.view(t, token); v.Live == nil || v.Live.ID != st.ID || v.Live.Practice {
		t.Fatalf("live take on the page: %+v", v.Live)
	}
	s.expect(t, http.MethodPost, base(token)+"/questions/"+testapp.QuestionSpare+"/takes", "", http.StatusConflict, "being recorded")

	s.expect(t, http.MethodDelete, base(token)+"/live", "", http.StatusNoContent, "")
	a, err := s.app.FindRecordById("answers", st.ID)
	if err != nil || a.GetString("status") != "interrupted" || a.GetString("video") == "" || a.GetInt("duration_ms") < 1800 {
		t.Fatalf("the interrupted take: %v %v", a, err)
	}
	v := s.view(t, token)
	q := question(t, v, testapp.QuestionSpare)
	if v.Live != nil || len(q.Takes) != 1 || q.Takes[0].Status != "interrupted" || q.TakesLeft != 1 {
		t.Fatalf("page after the interruption: live %+v, question %+v", v.Live, q)
	}
	checkPlays(t, s, q.Takes[0].VideoURL, time.Duration(a.GetInt("duration_ms"))*time.Millisecond)

	again := s.start(t, token, testapp.QuestionSpare)
	if n, _ := s.app.CountRecords("answers", dbx.HashExp{"candidate": testapp.CandidateOne, "question": testapp.QuestionSpare}); n != 2 || again.ID == st.ID {
		t.Fatalf("%d takes of the question after a new take", n)
	}
}

// A connection test that failed leaves its practice take live (the page never connected, or gave up); "Test
// again" starts a new practice take at once instead of a 409: the live one is ended, as nothing of it is kept. A
// live answer is another matter: it still blocks a practice take, and a practice take still blocks an answer.
func TestPracticeTakeReplacesALivePracticeTake(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	token := tokens[testapp.CandidateOne]
	owner := ingest.Candidate{ID: testapp.CandidateOne}

	failed := s.start(t, token, "") // nobody connects to it
	again := s.start(t, token, "")
	if live, ok := s.ingest.LiveTake(owner); !ok || live.ID != again.ID || !live.Practice {
		t.Fatalf("live take %+v (%v), want the second practice take %s", live, ok, again.ID)
	}
	res, body := s.do(t, http.MethodPost, strings.TrimPrefix(failed.WHIPURL, s.URL), "", map[string]string{
		"Authorization": "Bearer " + failed.WHIPToken, "Content-Type": "application/sdp"})
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("publishing the replaced practice take: %d %s", res.StatusCode, body)
	}

	// one that records is replaced as well
	publish(t, again, time.Second)
	third := s.start(t, token, "")
	if live, ok := s.ingest.LiveTake(owner); !ok || live.ID != third.ID {
		t.Fatalf("live take %+v (%v), want the third practice take %s", live, ok, third.ID)
	}

	// a practice take does not make way for an answer, nor an answer for a practice take
	s.expect(t, http.MethodPost, base(token)+"/questions/"+testapp.QuestionSpare+"/takes", "", http.StatusConflict, "being recorded")
	s.expect(t, http.MethodDelete, base(token)+"/live", "", http.StatusNoContent, "")
	answer := s.start(t, token, testapp.QuestionSpare)
	s.expect(t, http.MethodPost, base(token)+"/practice", "", http.StatusConflict, "being recorded")
	if live, ok := s.ingest.LiveTake(owner); !ok || live.ID != answer.ID || live.Practice {
		t.Fatalf("live take %+v (%v), want the answer %s", live, ok, answer.ID)
	}
}
