package ingest_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/takeone/takeone/hooks"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/rtc"
	"github.com/takeone/takeone/internal/setup"
	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/testtool"
	"github.com/takeone/takeone/internal/whipclient"
)

var (
	tpl  *testapp.Template
	clip whipclient.Media // 10 s, 640x480, 30 fps, a flash and a beep every second
)

func TestMain(m *testing.M) {
	var err error
	if tpl, err = testapp.NewTemplate(); err != nil {
		panic(err)
	}
	media, err := testtool.Media(testmedia.Default)
	if err != nil {
		panic(err)
	}
	clip = whipclient.ClipIn(media)
	code := m.Run()
	os.RemoveAll(tpl.Dir)
	os.Exit(code)
}

// server is a test app with the ingest bound, served over a real loopback socket with ICE-TCP split off it.
type server struct {
	app    *tests.TestApp
	ingest *ingest.Ingest
	engine *rtc.Engine
	http   *httptest.Server
	URL    string
}

// newServer starts a test app with the recorder; tune adjusts the ingest's config.
func newServer(t *testing.T, tune func(*ingest.Config)) *server {
	t.Helper()
	return newServerWith(t, rtc.Config{UDPAddr: "127.0.0.1", TCP: true}, tune)
}

// newServerWith is newServer with the media engine's config, e.g. one on a virtual network. Its HTTP stays on
// real loopback.
func newServerWith(t *testing.T, media rtc.Config, tune func(*ingest.Config)) *server {
	t.Helper()
	app := tpl.Bare(t)
	engine, err := rtc.New(media, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{app: app, engine: engine, URL: "http://" + l.Addr().String()}
	cfg := ingest.Config{
		Dir:               filepath.Join(app.DataDir(), "recordings"),
		PublicURL:         s.URL,
		MaxSessions:       10,
		MaxAnswer:         10 * time.Minute,
		DisconnectTimeout: 2 * time.Second,
	}
	if tune != nil {
		tune(&cfg)
	}
	if s.ingest, err = ingest.New(app, engine, cfg); err != nil {
		t.Fatal(err)
	}
	hooks.Register(app, hooks.Deps{Config: testapp.Config(), Setup: setup.New(app), Ingest: s.ingest})
	s.http = &httptest.Server{Listener: engine.SplitListener(l), Config: &http.Server{Handler: testapp.Mux(t, app)}}
	s.http.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s.ingest.Shutdown(ctx)
		s.http.Close()
		engine.Close()
		app.Cleanup()
	})
	return s
}

// token is a fixture candidate's link token.
func (s *server) token(t *testing.T, candidate string) string {
	t.Helper()
	r, err := s.app.FindRecordById("candidates", candidate)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetString("token")
}
