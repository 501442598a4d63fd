package upload_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"github.com/takeone/takeone/hooks"
	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/setup"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/testtool"
	"github.com/takeone/takeone/internal/upload"
	"github.com/takeone/takeone/pb_migrations"
)

var (
	tpl *testapp.Template
	// copies as a browser's MediaRecorder makes them: VP8 and Opus in WebM, without Cues
	copy10s, copy3s []byte
	slow10s         []byte // 10 s at 15 frames a second: half the frames of copy10s
)

func TestMain(m *testing.M) {
	for _, c := range []struct {
		spec testmedia.Spec
		out  *[]byte
	}{
		{testmedia.Default, &copy10s},
		{testmedia.Spec{Seconds: 3, Width: 320, Height: 240, FPS: 30}, &copy3s},
		{testmedia.Spec{Seconds: 10, Width: 640, Height: 480, FPS: 15}, &slow10s},
	} {
		dir, err := testtool.Media(c.spec)
		if err != nil {
			panic(err)
		}
		if *c.out, err = mux(dir); err != nil {
			panic(err)
		}
	}
	testapp.Main(m, &tpl)
}

// mux puts a clip's VP8 and Opus into one WebM stream, as MediaRecorder writes it: clusters without Cues.
func mux(dir string) ([]byte, error) {
	cmd := exec.CommandContext(context.Background(), "ffmpeg", "-v", "error", "-i", filepath.Join(dir, "clip.ivf"),
		"-i", filepath.Join(dir, "clip.ogg"), "-c", "copy", "-f", "webm", "-live", "1", "-")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	return out.Bytes(), nil
}

// server is a test app with the upload routes on a loopback socket, and a live answer of Candidate One: 10 s of
// question Spare, complete, with a live recording.
type server struct {
	app     *tests.TestApp
	uploads *upload.Uploads
	url     string
	dir     string // uploads in progress
	token   string // Candidate One's link
	answer  string
}

func newServer(t *testing.T) *server {
	t.Helper()
	app := tpl.Bare(t)
	t.Cleanup(app.Cleanup)
	hooks.Register(app, hooks.Deps{Config: testapp.Config(), Setup: setup.New(app)})
	s := &server{app: app, dir: filepath.Join(t.TempDir(), "uploads")}
	u, err := upload.New(app, upload.Config{Dir: s.dir, TakeLimit: func(seconds, extra int) time.Duration {
		return time.Duration(seconds) * time.Second * time.Duration(100+extra) / 100
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	s.uploads = u
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		u.Bind(e.Router)
		return e.Next()
	})
	srv := httptest.NewServer(testapp.Mux(t, app))
	t.Cleanup(srv.Close)
	s.url = srv.URL

	cand, err := app.FindRecordById(pb_migrations.Candidates, testapp.CandidateOne)
	if err != nil {
		t.Fatal(err)
	}
	s.token = cand.GetString("token")
	s.answer = s.liveAnswer(t, testapp.CandidateOne, 10*time.Second)
	return s
}

// liveAnswer saves a complete answer of question Spare with a live recording of length d.
func (s *server) liveAnswer(t *testing.T, cand string, d time.Duration) string {
	t.Helper()
	col, err := s.app.FindCollectionByNameOrId(pb_migrations.Answers)
	if err != nil {
		t.Fatal(err)
	}
	a := core.NewRecord(col)
	a.Set("candidate", cand)
	a.Set("question", testapp.QuestionSpare)
	a.Set("take", 1)
	a.Set("status", pb_migrations.AnswerComplete)
	a.Set("duration_ms", d.Milliseconds())
	if err := s.app.Save(a); err != nil {
		t.Fatal(err)
	}
	return a.Id
}

// tus sends one tus request.
func (s *server) tus(t *testing.T, method, url string, headers map[string]string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// create starts an upload of size bytes for answer with token; it returns the response.
func (s *server) create(t *testing.T, token, answer string, size int64) *http.Response {
	t.Helper()
	h := map[string]string{
		"Upload-Length":   strconv.FormatInt(size, 10),
		"Upload-Metadata": "answer " + base64.StdEncoding.EncodeToString([]byte(answer)),
	}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return s.tus(t, http.MethodPost, s.url+upload.BasePath, h, nil)
}

// send uploads data in two requests, asking the server for its offset between them as a page does after a
// dropped connection; it returns the last response.
func (s *server) send(t *testing.T, data []byte) *http.Response {
	t.Helper()
	res := s.create(t, s.token, s.answer, int64(len(data)))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body(res))
	}
	loc := res.Header.Get("Location")
	half := len(data) / 2
	patch := func(offset int, part []byte) *http.Response {
		return s.tus(t, http.MethodPatch, loc, map[string]string{
			"Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(offset)}, part)
	}
	if res := patch(0, data[:half]); res.StatusCode != http.StatusNoContent {
		t.Fatalf("first part: %d %s", res.StatusCode, body(res))
	}
	res = s.tus(t, http.MethodHead, loc, nil, nil)
	offset, err := strconv.Atoi(res.Header.Get("Upload-Offset"))
	if err != nil || offset != half {
		t.Fatalf("HEAD says offset %q, want %d", res.Header.Get("Upload-Offset"), half)
	}
	return patch(offset, data[offset:])
}

func body(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return strings.TrimSpace(string(b))
}

// videoPath is where the answer's video is stored.
func (s *server) videoPath(t *testing.T, a *core.Record) string {
	t.Helper()
	name := a.GetString("video")
	if name == "" {
		t.Fatal("the answer has no video")
	}
	return filepath.Join(s.app.DataDir(), "storage", a.BaseFilesPath(), name)
}

func (s *server) answerRecord(t *testing.T) *core.Record {
	t.Helper()
	a, err := s.app.FindRecordById(pb_migrations.Answers, s.answer)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// leftovers lists what is left in the upload folder.
func (s *server) leftovers(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// storeLive gives the server's answer a live recording.
func (s *server) storeLive(t *testing.T, data []byte) {
	t.Helper()
	a := s.answerRecord(t)
	f, err := filesystem.NewFileFromBytes(data, "take-1.webm")
	if err != nil {
		t.Fatal(err)
	}
	a.Set("video", f)
	if err := s.app.Save(a); err != nil {
		t.Fatal(err)
	}
}

// A copy uploaded in two parts, resumed from the offset the server reports, replaces a live recording that lost
// half its frames: the answer says it holds the upload, and the stored file plays, seeks and lasts as long as the
// copy.
func TestCopyReplacesTheLiveRecording(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.storeLive(t, slow10s)
	if res := s.send(t, copy10s); res.StatusCode != http.StatusNoContent {
		t.Fatalf("last part: %d %s", res.StatusCode, body(res))
	}
	a := s.answerRecord(t)
	if src := a.GetString("source"); src != string(pb_migrations.SourceUpload) {
		t.Errorf("source %q, want upload", src)
	}
	path := s.videoPath(t, a)
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the stored copy does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Seekable || (info.Duration-10*time.Second).Abs() > 100*time.Millisecond || info.Width != testmedia.Default.Width {
		t.Errorf("stored copy: seekable %v, %s, %dx%d; want Cues, 10 s, the copy's %dx%d", info.Seekable, info.Duration,
			info.Width, info.Height, testmedia.Default.Width, testmedia.Default.Height)
	}
	if got := time.Duration(a.GetInt("duration_ms")) * time.Millisecond; (got - info.Duration).Abs() > 50*time.Millisecond {
		t.Errorf("the answer says %s, its file lasts %s", got, info.Duration)
	}
	if left := s.leftovers(t); len(left) > 0 {
		t.Errorf("the upload folder keeps %v", left)
	}
	// the answer holds its copy now: another one is refused
	if res := s.create(t, s.token, s.answer, int64(len(copy10s))); res.StatusCode != http.StatusConflict {
		t.Errorf("a second copy: %d %s, want 409", res.StatusCode, body(res))
	}
}

// Uploads that cannot improve an answer are refused when they are created, with a message that says why.
func TestUploadsRefusedAtCreation(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	other, err := s.app.FindRecordById(pb_migrations.Candidates, testapp.CandidateTwo)
	if err != nil {
		t.Fatal(err)
	}
	col, _ := s.app.FindCollectionByNameOrId(pb_migrations.Answers)
	recording := core.NewRecord(col)
	recording.Set("candidate", testapp.CandidateOne)
	recording.Set("question", testapp.QuestionOne)
	recording.Set("take", 2)
	recording.Set("status", pb_migrations.AnswerRecording)
	if err := s.app.Save(recording); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, token, answer string
		size                int64
		status              int
		message             string
	}{
		{"no token", "", s.answer, 1000, http.StatusUnauthorized, "Authorization: Bearer"},
		{"a link that opens nothing", strings.Repeat("x", 43), s.answer, 1000, http.StatusNotFound, "link is not valid"},
		{"another candidate's answer", other.GetString("token"), s.answer, 1000, http.StatusNotFound, "not one of yours"},
		{"an answer that does not exist", s.token, "nosuchanswer000", 1000, http.StatusNotFound, "not one of yours"},
		{"a take still recording", s.token, recording.Id, 1000, http.StatusConflict, "still recording"},
		// 90 s at 10 Mbit/s and 2 MB: 114.5 MB
		{"larger than a take of its question can be", s.token, s.answer, 200 << 20, http.StatusRequestEntityTooLarge, "more than an answer of this length"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := s.create(t, c.token, c.answer, c.size)
			if msg := body(res); res.StatusCode != c.status || !strings.Contains(msg, c.message) {
				t.Errorf("%d %q, want %d with %q", res.StatusCode, msg, c.status, c.message)
			}
		})
	}
	res := s.tus(t, http.MethodPost, s.url+upload.BasePath, map[string]string{"Authorization": "Bearer " + s.token,
		"Upload-Defer-Length": "1", "Upload-Metadata": "answer " + base64.StdEncoding.EncodeToString([]byte(s.answer))}, nil)
	if msg := body(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "Upload-Length") {
		t.Errorf("a copy of unknown size: %d %q", res.StatusCode, msg)
	}
	if left := s.leftovers(t); len(left) > 0 {
		t.Errorf("refused uploads left %v", left)
	}
}

// A complete copy that is not a video, is damaged, or does not match the live take is refused, removed, and the
// answer keeps its live recording.
func TestBadCopiesKeepTheLiveRecording(t *testing.T) {
	t.Parallel()
	torn := bytes.Clone(copy10s[:len(copy10s)*2/3])
	damaged := bytes.Clone(copy10s)
	for i := len(damaged) / 2; i < len(damaged)/2+20000; i++ {
		damaged[i] = 0
	}
	for _, c := range []struct {
		name    string
		data    []byte
		message string
	}{
		{"not a video", bytes.Repeat([]byte("not a video "), 5000), "not a VP8/Opus WebM"},
		{"cut short", torn, "damaged"},
		{"damaged in the middle", damaged, "damaged"},
		{"much shorter than the live take", copy3s, "shorter than the 10.0 s the server recorded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			res := s.send(t, c.data)
			if msg := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, c.message) {
				t.Errorf("%d %q, want 422 with %q", res.StatusCode, msg, c.message)
			}
			a := s.answerRecord(t)
			if src := a.GetString("source"); src != string(pb_migrations.SourceLive) {
				t.Errorf("source %q after a refused copy, want live", src)
			}
			if d := a.GetInt("duration_ms"); d != 10000 {
				t.Errorf("the answer's length changed to %d ms", d)
			}
			if left := s.leftovers(t); len(left) > 0 {
				t.Errorf("the refused copy is kept: %v", left)
			}
		})
	}
}

// The candidate may submit an answer while its copy is checked: the copy replaces the video and keeps the
// submission.
func TestCopyKeepsASubmissionMadeMeanwhile(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	upload.AfterCheck(s.uploads, func(answerID string) {
		a, err := s.app.FindRecordById(pb_migrations.Answers, answerID)
		if err != nil {
			t.Error(err)
			return
		}
		a.Set("submitted", true)
		if err := s.app.Save(a); err != nil {
			t.Error(err)
		}
	})
	if res := s.send(t, copy10s); res.StatusCode != http.StatusNoContent {
		t.Fatalf("last part: %d %s", res.StatusCode, body(res))
	}
	a := s.answerRecord(t)
	if !a.GetBool("submitted") || a.GetString("source") != string(pb_migrations.SourceUpload) {
		t.Errorf("after the copy: submitted %v, source %q; want the submission kept and the copy stored",
			a.GetBool("submitted"), a.GetString("source"))
	}
}

// A copy with fewer frames than the live recording (a device whose recorder could not keep up) is refused: the
// answer keeps its live recording.
func TestCopyNoBetterThanTheLiveIsRefused(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.storeLive(t, copy10s)
	live := s.answerRecord(t).GetString("video")
	res := s.send(t, slow10s)
	if msg := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "not better than the recording on the server") {
		t.Errorf("%d %q, want 422: not better", res.StatusCode, msg)
	}
	a := s.answerRecord(t)
	if a.GetString("video") != live || a.GetString("source") != string(pb_migrations.SourceLive) {
		t.Errorf("the answer holds %q (%s), want its live recording %q", a.GetString("video"), a.GetString("source"), live)
	}
}
