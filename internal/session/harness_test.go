package session_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"github.com/takeone/takeone/hooks"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/rtc"
	"github.com/takeone/takeone/internal/session"
	"github.com/takeone/takeone/internal/setup"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/whipclient"
)

// base is the path of a candidate's session routes.
func base(token string) string { return "/api/takeone/session/" + token }

// bind gives a test app the recorder and the candidate's routes, as the server binds them; the ingest stops with
// the app and the media engine when the test ends. tune, when not nil, changes the recorder's limits.
func bind(t testing.TB, app *tests.TestApp, publicURL string, tune func(*ingest.Config)) (*ingest.Ingest, *rtc.Engine) {
	t.Helper()
	engine, err := rtc.New(rtc.Config{UDPAddr: "127.0.0.1", TCP: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	limits := ingest.Config{
		Dir:               filepath.Join(app.DataDir(), "recordings"),
		PublicURL:         publicURL,
		MaxSessions:       10,
		MaxAnswer:         10 * time.Minute,
		DisconnectTimeout: 2 * time.Second,
	}
	if tune != nil {
		tune(&limits)
	}
	in, err := ingest.New(app, engine, limits)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testapp.Config()
	cfg.Server.PublicURL = publicURL
	hooks.Register(app, hooks.Deps{Config: cfg, Setup: setup.New(app), Ingest: in})
	return in, engine
}

// scenarioApp is the TestAppFactory of request tables: the fixtures with the candidate's routes bound.
func scenarioApp(t testing.TB) *tests.TestApp {
	app := tpl.Bare(t)
	bind(t, app, "http://127.0.0.1:8090", nil)
	return app
}

// server is a test app with the recorder and the candidate's routes, served on a real loopback socket with
// ICE-TCP split off it.
type server struct {
	app    *tests.TestApp
	ingest *ingest.Ingest
	URL    string
}

func newServer(t *testing.T) *server {
	t.Helper()
	return newServerWith(t, nil)
}

// newServerWith is newServer with the recorder's limits changed by tune.
func newServerWith(t *testing.T, tune func(*ingest.Config)) *server {
	t.Helper()
	app := tpl.Bare(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{app: app, URL: "http://" + l.Addr().String()}
	var engine *rtc.Engine
	s.ingest, engine = bind(t, app, s.URL, tune)
	srv := &httptest.Server{Listener: engine.SplitListener(l), Config: &http.Server{Handler: testapp.Mux(t, app)}}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		app.Cleanup() // stops the ingest: live takes are saved, practice files deleted
	})
	return s
}

// do sends a request to the server and reads the whole answer.
func (s *server) do(t *testing.T, method, path, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// expect sends a request and fails the test unless it answers status with want in the body.
func (s *server) expect(t *testing.T, method, path, body string, status int, want string) []byte {
	t.Helper()
	res, b := s.do(t, method, path, body, nil)
	if res.StatusCode != status || !strings.Contains(string(b), want) {
		t.Fatalf("%s %s: %d %s, want %d with %q", method, path, res.StatusCode, b, status, want)
	}
	return b
}

// view is the candidate's page as the browser loads it.
func (s *server) view(t *testing.T, token string) session.View {
	t.Helper()
	var v session.View
	if err := json.Unmarshal(s.expect(t, http.MethodGet, base(token), "", http.StatusOK, `"state"`), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// question is the page's view of one question.
func question(t *testing.T, v session.View, id string) session.QuestionView {
	t.Helper()
	for _, q := range v.Questions {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("question %s is not on the page: %+v", id, v.Questions)
	return session.QuestionView{}
}

// started is what starting a take or a practice take answers.
type started struct {
	ID         string `json:"id"`
	WHIPURL    string `json:"whip_url"`
	WHIPToken  string `json:"whip_token"`
	MaxSeconds int    `json:"max_seconds"`
}

// start asks for a take of the question, or a practice take for "".
func (s *server) start(t *testing.T, token, questionID string) started {
	t.Helper()
	path := base(token) + "/practice"
	if questionID != "" {
		path = base(token) + "/questions/" + questionID + "/takes"
	}
	var st started
	if err := json.Unmarshal(s.expect(t, http.MethodPost, path, "", http.StatusCreated, `"whip_url"`), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// publish connects a WHIP client to the take and streams the clip for d; the connection stays up.
func publish(t *testing.T, st started, d time.Duration) *whipclient.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	pub, err := whipclient.Publish(ctx, st.WHIPURL, st.WHIPToken, whipclient.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Abort)
	if err := pub.Stream(ctx, clip, d); err != nil {
		t.Fatal(err)
	}
	return pub
}

// record publishes d of the clip to the take and ends it with DELETE, as a client that is done does.
func record(t *testing.T, st started, d time.Duration) {
	t.Helper()
	pub := publish(t, st, d)
	body, err := pub.Stop(t.Context())
	if err != nil || !strings.Contains(body, `"status":"complete"`) {
		t.Fatalf("DELETE: %v %s", err, body)
	}
}

// update changes fields of a record.
func update(t testing.TB, app core.App, collection, id string, fields map[string]any) {
	t.Helper()
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}

// create saves a new record with the given id ("" for a random one).
func create(t testing.TB, app core.App, collection, id string, fields map[string]any) *core.Record {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(c)
	if id != "" {
		r.Id = id
	}
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// take adds a take of a candidate with the given status; withFile hangs a short WebM on it.
func take(t testing.TB, app core.App, id, candidate, questionID, status string, withFile bool) *core.Record {
	t.Helper()
	n, err := app.CountRecords("answers", dbx.HashExp{"candidate": candidate, "question": questionID})
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]any{"candidate": candidate, "question": questionID, "take": n + 1, "status": status, "duration_ms": 1000}
	if withFile {
		f, err := filesystem.NewFileFromPath(clipWebM)
		if err != nil {
			t.Fatal(err)
		}
		f.Name = "take.webm"
		fields["video"] = f
	}
	return create(t, app, "answers", id, fields)
}
