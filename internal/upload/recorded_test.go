package upload_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/upload"
	"github.com/takeone/takeone/pb_migrations"
)

// recording is a second take of question, which the page records and uploads while recording: status
// recording, source upload. The question's time may be shorter than the editor allows (10 s), so that the test's
// 10 s clip can be too long for it.
func (s *server) recording(t *testing.T, question string, answerSeconds int) string {
	t.Helper()
	q, err := s.app.FindRecordById(pb_migrations.Questions, question)
	if err != nil {
		t.Fatal(err)
	}
	q.Set("answer_seconds", answerSeconds)
	if err := s.app.SaveNoValidate(q); err != nil {
		t.Fatal(err)
	}
	col, err := s.app.FindCollectionByNameOrId(pb_migrations.Answers)
	if err != nil {
		t.Fatal(err)
	}
	a := core.NewRecord(col)
	a.Set("candidate", testapp.CandidateOne)
	a.Set("question", question)
	a.Set("take", 2)
	a.Set("status", pb_migrations.AnswerRecording)
	a.Set("source", pb_migrations.SourceUpload)
	if err := s.app.Save(a); err != nil {
		t.Fatal(err)
	}
	return a.Id
}

// startRecorded creates an upload of unknown length for answer, as the page does when recording starts.
func (s *server) startRecorded(t *testing.T, answer string) *http.Response {
	t.Helper()
	return s.tus(t, http.MethodPost, s.url+upload.BasePath, map[string]string{
		"Upload-Defer-Length": "1",
		"Upload-Metadata":     "answer " + base64.StdEncoding.EncodeToString([]byte(answer)),
		"Authorization":       "Bearer " + s.token,
	}, nil)
}

// part sends one part at offset; total > 0 tells the length, which makes it the last part.
func (s *server) part(t *testing.T, loc string, offset int, data []byte, total int) *http.Response {
	t.Helper()
	h := map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(offset)}
	if total > 0 {
		h["Upload-Length"] = strconv.Itoa(total)
	}
	return s.tus(t, http.MethodPatch, loc, h, data)
}

func (s *server) answerByID(t *testing.T, id string) *core.Record {
	t.Helper()
	a, err := s.app.FindRecordById(pb_migrations.Answers, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A page without WebRTC uploads its recording a second at a time while it records; the last part, which tells
// the length, stores the answer as a live take's end does: complete, playable, seekable, the recording's length.
func TestAnswerRecordedByUpload(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	id := s.recording(t, testapp.QuestionSpare, 30)
	res := s.startRecorded(t, id)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("start: %d %s", res.StatusCode, body(res))
	}
	loc := res.Header.Get("Location")
	if a := s.answerByID(t, id); a.GetString("status") != string(pb_migrations.AnswerRecording) {
		t.Fatalf("status %q while recording", a.GetString("status"))
	}
	// a second upload of the same recording is refused: the page resumes the first
	if res := s.startRecorded(t, id); res.StatusCode != http.StatusConflict || !strings.Contains(body(res), "resume that upload") {
		t.Errorf("a second upload: %d, want 409", res.StatusCode)
	}
	step := len(copy10s) / 10 // about a second of recording per part
	for off := 0; off < len(copy10s); off += step {
		end := min(off+step, len(copy10s))
		total := 0
		if end == len(copy10s) {
			total = len(copy10s)
		}
		if res := s.part(t, loc, off, copy10s[off:end], total); res.StatusCode != http.StatusNoContent {
			t.Fatalf("part at %d: %d %s", off, res.StatusCode, body(res))
		}
	}
	a := s.answerByID(t, id)
	if a.GetString("status") != string(pb_migrations.AnswerComplete) || a.GetString("source") != string(pb_migrations.SourceUpload) {
		t.Fatalf("answer %s from %s, want complete from upload", a.GetString("status"), a.GetString("source"))
	}
	path := s.videoPath(t, a)
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the answer does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Seekable || (info.Duration-10*time.Second).Abs() > 100*time.Millisecond {
		t.Errorf("answer: seekable %v, %s; want Cues and the recording's 10 s", info.Seekable, info.Duration)
	}
	if left := s.leftovers(t); len(left) > 0 {
		t.Errorf("the upload folder keeps %v", left)
	}
}

// A tab closed while recording: the parts that arrived are kept, once no part has come for a minute, as an
// interrupted take (which does not use up a take); a part that comes after that finds the upload gone.
func TestRecordingByUploadKeepsWhatArrived(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	id := s.recording(t, testapp.QuestionSpare, 30)
	res := s.startRecorded(t, id)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("start: %d %s", res.StatusCode, body(res))
	}
	loc := res.Header.Get("Location")
	sent := len(copy10s) * 6 / 10 // six of ten seconds, cut mid-cluster
	if res := s.part(t, loc, 0, copy10s[:sent], 0); res.StatusCode != http.StatusNoContent {
		t.Fatalf("part: %d %s", res.StatusCode, body(res))
	}
	upload.SweepRecorded(s.uploads, time.Now().Add(30*time.Second))
	if a := s.answerByID(t, id); a.GetString("status") != string(pb_migrations.AnswerRecording) {
		t.Fatalf("after 30 s without a part the answer is %q, want still recording", a.GetString("status"))
	}
	upload.SweepRecorded(s.uploads, time.Now().Add(61*time.Second))
	a := s.answerByID(t, id)
	if a.GetString("status") != string(pb_migrations.AnswerInterrupted) {
		t.Fatalf("after a minute without a part the answer is %q, want interrupted", a.GetString("status"))
	}
	path := s.videoPath(t, a)
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("what arrived does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	// all but the last seconds: MediaRecorder's clusters are a second or two long, and the torn one is left out
	if !info.Seekable || info.Duration < 4*time.Second || info.Duration > 6500*time.Millisecond {
		t.Errorf("kept: seekable %v, %s; want Cues and 4 to 6.5 s of the 6 s sent", info.Seekable, info.Duration)
	}
	if res := s.part(t, loc, sent, copy10s[sent:], len(copy10s)); res.StatusCode != http.StatusNotFound {
		t.Errorf("a part after the take was kept: %d %s, want 404", res.StatusCode, body(res))
	}
	if left := s.leftovers(t); len(left) > 0 {
		t.Errorf("the upload folder keeps %v", left)
	}
}

// What a recording by upload may not be: larger than its question's cap part by part, longer than the question,
// or not a video. Each is refused with a message, and a refused recording leaves the take failed (not counted).
func TestRecordingByUploadRefusals(t *testing.T) {
	t.Parallel()
	t.Run("a part past the cap", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		id := s.recording(t, testapp.QuestionSpare, 1) // cap: 1 s at 10 Mbit/s + 2 MB, about 3.2 MB
		loc := s.startRecorded(t, id).Header.Get("Location")
		big := bytes.Repeat([]byte{0}, 4<<20)
		res := s.part(t, loc, 0, big, 0)
		if msg := body(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "larger than an answer of its length can be") {
			t.Errorf("a part past the cap: %d %q, want 413", res.StatusCode, msg)
		}
		if res := s.tus(t, http.MethodHead, loc, nil, nil); res.Header.Get("Upload-Offset") != "0" {
			t.Errorf("offset after the refused part %q, want 0: nothing of it stored", res.Header.Get("Upload-Offset"))
		}
	})
	for _, c := range []struct {
		name    string
		seconds int
		data    []byte
		message string
	}{
		{"longer than the question", 5, copy10s, "longer than the question's 5 s"},
		{"not a video", 30, bytes.Repeat([]byte("not a video "), 1000), "not a VP8/Opus WebM video"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			id := s.recording(t, testapp.QuestionSpare, c.seconds)
			loc := s.startRecorded(t, id).Header.Get("Location")
			res := s.part(t, loc, 0, c.data, len(c.data))
			if msg := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, c.message) || !strings.Contains(msg, "Record this answer again") {
				t.Errorf("%d %q, want 422: %s", res.StatusCode, msg, c.message)
			}
			if a := s.answerByID(t, id); a.GetString("status") != string(pb_migrations.AnswerFailed) || a.GetString("video") != "" {
				t.Errorf("answer %s with video %q, want failed without one", a.GetString("status"), a.GetString("video"))
			}
			if left := s.leftovers(t); len(left) > 0 {
				t.Errorf("the upload folder keeps %v", left)
			}
		})
	}
	t.Run("an upload that never began", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		id := s.recording(t, testapp.QuestionSpare, 30)
		upload.SweepRecorded(s.uploads, time.Now().Add(61*time.Second))
		if a := s.answerByID(t, id); a.GetString("status") != string(pb_migrations.AnswerFailed) {
			t.Errorf("answer %s a minute after its start without an upload, want failed", a.GetString("status"))
		}
	})
	t.Run("a live answer's copy must tell its length", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		res := s.startRecorded(t, s.answer)
		if msg := body(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "Upload-Length") {
			t.Errorf("%d %q, want 400 about Upload-Length", res.StatusCode, msg)
		}
	})
}
