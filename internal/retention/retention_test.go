package retention_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/takeone/takeone/internal/retention"
	"github.com/takeone/takeone/internal/testapp"
)

var tpl *testapp.Template

func TestMain(m *testing.M) { testapp.Main(m, &tpl) }

func date(t time.Time) types.DateTime {
	d, _ := types.ParseDateTime(t)
	return d
}

func TestPurgeDeletesOnlyWhatIsOlderThanTheRetention(t *testing.T) {
	t.Parallel()
	app := tpl.New(t)
	defer app.Cleanup()
	now := time.Now()

	// CandidateOne completed 400 days ago, with a recorded answer and a review
	answer, err := app.FindRecordById("answers", testapp.AnswerOne)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := filesystem.NewFileFromBytes([]byte("not really a video"), "take-1.webm")
	answer.Set("video", f)
	if err := app.SaveNoValidate(answer); err != nil {
		t.Fatal(err)
	}
	videoPath := filepath.Join(app.DataDir(), "storage", answer.BaseFilesPath(), answer.GetString("video"))
	if _, err := os.Stat(videoPath); err != nil {
		t.Fatalf("the test's video is not in storage: %v", err)
	}
	setTimes(t, app, testapp.CandidateOne, now.AddDate(0, 0, -500), now.AddDate(0, 0, -400))
	// CandidateTwo was invited long ago but completed a month ago: kept
	setTimes(t, app, testapp.CandidateTwo, now.AddDate(0, 0, -500), now.AddDate(0, 0, -30))

	n, err := retention.Purge(app, 365, now)
	if err != nil || n != 1 {
		t.Fatalf("Purge: %d deleted, %v; want 1", n, err)
	}
	for collection, id := range map[string]string{"candidates": testapp.CandidateOne, "answers": testapp.AnswerOne, "reviews": testapp.ReviewOne} {
		if _, err := app.FindRecordById(collection, id); err == nil {
			t.Errorf("%s %s is still there", collection, id)
		}
	}
	// PocketBase removes a deleted record's files in the background, just after the delete
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := os.Stat(videoPath)
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the deleted answer's video is still on disk 5 s later: %v", err)
			break
		}
	}
	for collection, id := range map[string]string{"candidates": testapp.CandidateTwo, "answers": testapp.AnswerTwo, "reviews": testapp.ReviewTwo} {
		if _, err := app.FindRecordById(collection, id); err != nil {
			t.Errorf("%s %s was deleted: %v", collection, id, err)
		}
	}
	// a second run finds nothing more
	if n, err := retention.Purge(app, 365, now); err != nil || n != 0 {
		t.Errorf("second run: %d, %v", n, err)
	}
}

func TestPurgeKeepsACandidateWhoStartedRecently(t *testing.T) {
	t.Parallel()
	app := tpl.New(t)
	defer app.Cleanup()
	now := time.Now()
	c, err := app.FindRecordById("candidates", testapp.CandidateOne)
	if err != nil {
		t.Fatal(err)
	}
	c.Set("started_at", date(now.AddDate(0, 0, -2)))
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	backdate(t, app, testapp.CandidateOne, now.AddDate(0, 0, -400))
	if n, err := retention.Purge(app, 365, now); err != nil || n != 0 {
		t.Fatalf("a candidate invited 400 days ago who started 2 days ago was deleted (%d, %v)", n, err)
	}
}

// setTimes backdates a candidate's invitation and completion.
func setTimes(t *testing.T, app core.App, id string, created, completed time.Time) {
	t.Helper()
	c, err := app.FindRecordById("candidates", id)
	if err != nil {
		t.Fatal(err)
	}
	c.Set("completed_at", date(completed))
	c.Set("status", "completed")
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	backdate(t, app, id, created)
}

// backdate sets a record's created time, which PocketBase sets itself on save.
func backdate(t *testing.T, app core.App, id string, created time.Time) {
	t.Helper()
	_, err := app.DB().NewQuery("UPDATE candidates SET created = {:created} WHERE id = {:id}").
		Bind(map[string]any{"created": created.UTC().Format("2006-01-02 15:04:05.000Z"), "id": id}).Execute()
	if err != nil {
		t.Fatal(err)
	}
}
