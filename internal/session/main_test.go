package session_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/takeone/takeone/internal/testapp"
	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/testtool"
	"github.com/takeone/takeone/internal/whipclient"
)

var (
	tpl *testapp.Template
	// tokens are the fixture candidates' link tokens, the same in every clone of the template.
	tokens = map[string]string{}
	// clip is 4 s of 640x480 at 30 fps with a flash and a beep every second; clipWebM is its first second as WebM,
	// a file to hang on answers that are not recorded in the test.
	clip     whipclient.Media
	clipWebM string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if tpl, err = testapp.NewTemplate(); err != nil {
		panic(err)
	}
	defer os.RemoveAll(tpl.Dir)
	app, err := tests.NewTestApp(tpl.Dir)
	if err != nil {
		panic(err)
	}
	for _, id := range []string{testapp.CandidateOne, testapp.CandidateTwo} {
		r, err := app.FindRecordById("candidates", id)
		if err != nil {
			panic(err)
		}
		tokens[id] = r.GetString("token")
	}
	app.Cleanup()

	media, err := testtool.Media(testmedia.Spec{Seconds: 4, Width: 640, Height: 480, FPS: 30})
	if err != nil {
		panic(err)
	}
	clip = whipclient.ClipIn(media)
	webm, err := os.MkdirTemp("", "takeone-webm-*")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(webm)
	clipWebM = filepath.Join(webm, "clip.webm")
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-i", clip.IVF, "-i", clip.Ogg, "-t", "1", "-c", "copy", clipWebM).CombinedOutput()
	if err != nil {
		panic("ffmpeg: " + err.Error() + "\n" + string(out))
	}
	return m.Run()
}
