// Package upload takes the candidate's own copy of an answer over tus, the resumable upload protocol, and swaps it
// in as the answer's video. The page records every answer twice: live over WebRTC, which survives a closed tab,
// and with MediaRecorder at the camera's full quality, which a poor network cannot thin out. After Stop the page
// uploads its copy when the live one is not whole; the copy is checked (VP8/Opus WebM, intact, as long as the
// live take, no larger than a take of its length can be), made seekable and stored, and the answer records that
// it holds the upload. The live recording stays until then, and for good when no copy comes or a copy fails the
// checks.
//
// The tus routes are under /api/takeone/uploads/. Creating an upload needs the candidate's link token
// (Authorization: Bearer TOKEN) and names the answer in its metadata ("answer"); the upload's URL, 128 random
// bits, is the key to its offset and its PATCHes after that.
package upload

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"

	"github.com/takeone/takeone/internal/candidate"
	"github.com/takeone/takeone/internal/recorder"
	"github.com/takeone/takeone/pb_migrations"
)

// BasePath is where the tus routes live.
const BasePath = "/api/takeone/uploads/"

const (
	// maxBitrate bounds an upload's size: a copy may average this many bits per second of its take's time limit.
	// Browsers record 720p at 2.5 Mbit/s by default; a page asking for more gets at most twice the 1080p default.
	maxBitrate = 10_000_000
	// sizeSlack is added to every cap: the container's own bytes and a slow start.
	sizeSlack = 2 << 20
	// abandonedAfter is when an upload nobody finished is removed.
	abandonedAfter = 24 * time.Hour
)

// Config is what the uploads need from the server.
type Config struct {
	Dir string // where uploads in progress are kept
	// TakeLimit is a question's time limit for a candidate (the ingest's, so that both agree).
	TakeLimit func(answerSeconds, extraPercent int) time.Duration
}

// Uploads serves the tus routes and swaps finished copies in.
type Uploads struct {
	app  core.App
	cfg  Config
	root *os.Root
	tus  http.Handler

	mu sync.Mutex // one copy is checked and stored at a time: two uploads of one answer cannot both win

	checked func(answerID string) // tests: runs between a copy's check and its storing
}

// New prepares the upload folder and the tus handler.
func New(app core.App, cfg Config) (*Uploads, error) {
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	root, err := os.OpenRoot(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	u := &Uploads{app: app, cfg: cfg, root: root}
	composer := handler.NewStoreComposer()
	filestore.New(cfg.Dir).UseIn(composer)
	memorylocker.New().UseIn(composer)
	h, err := handler.NewHandler(handler.Config{
		StoreComposer:             composer,
		BasePath:                  BasePath,
		DisableDownload:           true, // an upload is the candidate's; the team plays the stored answer
		DisableConcatenation:      true,
		Cors:                      &handler.CorsConfig{Disable: true}, // the server's own CORS rules apply
		PreUploadCreateCallback:   u.admit,
		PreFinishResponseCallback: u.finish,
		// tusd logs every request; the server's own log has what matters (stored, refused), its errors aside
		Logger: xslog.New(xslog.NewTextHandler(os.Stderr, &xslog.HandlerOptions{Level: xslog.LevelError})),
	})
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("uploads: %w", err)
	}
	u.tus = http.StripPrefix(strings.TrimSuffix(BasePath, "/"), h)
	return u, nil
}

// Close releases the upload folder.
func (u *Uploads) Close() error { return u.root.Close() }

// Bind adds the tus routes and an hourly sweep of abandoned uploads.
func (u *Uploads) Bind(r *router.Router[*core.RequestEvent]) {
	serve := func(e *core.RequestEvent) error {
		u.tus.ServeHTTP(e.Response, e.Request)
		return nil
	}
	// a copy may come in one request: the body limit is the largest video an answer holds
	limit := apis.BodyLimit(pb_migrations.MaxVideoBytes)
	r.POST(strings.TrimSuffix(BasePath, "/"), serve).Bind(limit)
	for _, method := range []string{http.MethodPost, http.MethodHead, http.MethodPatch, http.MethodDelete} {
		r.Route(method, BasePath+"{id...}", serve).Bind(limit)
	}
	u.app.Cron().MustAdd("takeoneUploads", "17 * * * *", func() { u.sweep(time.Now()) })
}

// refuse is a tus error response with a message for the candidate's page.
func refuse(status int, message string) handler.Error {
	return handler.NewError("ERR_TAKEONE_UPLOAD", message, status)
}

// admit checks a new upload: the candidate's link, their answer, a live take that has ended, no copy stored yet,
// a declared size under the answer's cap. The upload is named after the answer.
func (u *Uploads) admit(hook handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	var none handler.HTTPResponse
	cand, answer, err := u.find(hook)
	if err != nil {
		return none, handler.FileInfoChanges{}, err
	}
	if hook.Upload.SizeIsDeferred {
		return none, handler.FileInfoChanges{}, refuse(http.StatusBadRequest, "Send the copy's size as Upload-Length when creating the upload.")
	}
	if limit := u.sizeCap(cand, answer); hook.Upload.Size > limit {
		return none, handler.FileInfoChanges{}, refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"The copy is %d MB, more than an answer of this length can be (%d MB). The recording on the server is kept.",
			hook.Upload.Size>>20, limit>>20))
	}
	return none, handler.FileInfoChanges{
		ID:       answer.Id + "-" + security.RandomString(22), // the answer, then 128 random bits
		MetaData: handler.MetaData{"answer": answer.Id},
	}, nil
}

// find answers who is uploading for which answer, or a tus error that says what is wrong.
func (u *Uploads) find(hook handler.HookEvent) (*core.Record, *core.Record, error) {
	token, ok := strings.CutPrefix(hook.HTTPRequest.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, nil, refuse(http.StatusUnauthorized, "Send the candidate's link token as Authorization: Bearer TOKEN.")
	}
	cand, err := candidate.ByToken(u.app, strings.TrimSpace(token))
	if err != nil {
		return nil, nil, refuse(http.StatusNotFound, candidate.UnknownMessage)
	}
	answer, err := u.app.FindRecordById(pb_migrations.Answers, hook.Upload.MetaData["answer"])
	if err != nil || answer.GetString("candidate") != cand.Id {
		return nil, nil, refuse(http.StatusNotFound, "This answer is not one of yours: name your answer's id as the upload's \"answer\" metadata.")
	}
	return cand, answer, u.improvable(cand, answer)
}

// improvable says whether a copy may still replace an answer's video, or a tus error that says why not.
func (u *Uploads) improvable(cand, answer *core.Record) error {
	// the page may finish the interview while its copies are still on their way
	if state := candidate.StateOf(cand, candidate.Interview(u.app, cand), time.Now()); state != candidate.Open && state != candidate.Completed {
		return refuse(http.StatusGone, state.Message())
	}
	switch pb_migrations.AnswerStatus(answer.GetString("status")) {
	case pb_migrations.AnswerRecording:
		return refuse(http.StatusConflict, "This take is still recording: upload its copy after Stop.")
	case pb_migrations.AnswerFailed:
		return refuse(http.StatusConflict, "Nothing of this take reached the server, so there is no answer to improve. Record it again.")
	}
	if pb_migrations.AnswerSource(answer.GetString("source")) == pb_migrations.SourceUpload {
		return refuse(http.StatusConflict, "This answer already holds your copy.")
	}
	return nil
}

// sizeCap is the largest copy of an answer: its question's time limit at maxBitrate.
func (u *Uploads) sizeCap(cand, answer *core.Record) int64 {
	limit := time.Duration(answer.GetInt("duration_ms")) * time.Millisecond
	if q, err := u.app.FindRecordById(pb_migrations.Questions, answer.GetString("question")); err == nil {
		limit = max(limit, u.cfg.TakeLimit(q.GetInt("answer_seconds"), cand.GetInt("extra_time_percent")))
	}
	return int64(limit.Seconds()*maxBitrate/8) + sizeSlack
}

// tolerance is how much a copy's length may differ from the live take's: the two start and stop a few frames
// apart, and a live take cut by the network lacks its end.
func tolerance(live time.Duration) time.Duration { return max(time.Second, live/20) }

// finish checks a complete upload and stores it as the answer's video before the last PATCH is answered, so that
// the page knows the swap happened. A copy that fails the checks is removed and the live recording stays.
func (u *Uploads) finish(hook handler.HookEvent) (handler.HTTPResponse, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	id := hook.Upload.ID
	defer u.remove(id)
	// the upload's URL was the key since it was created: the answer is checked again, not the caller
	answer, err := u.app.FindRecordById(pb_migrations.Answers, hook.Upload.MetaData["answer"])
	if err != nil {
		return handler.HTTPResponse{}, refuse(http.StatusNotFound, "The answer of this copy is gone.")
	}
	cand, err := u.app.FindRecordById(pb_migrations.Candidates, answer.GetString("candidate"))
	if err != nil {
		return handler.HTTPResponse{}, refuse(http.StatusNotFound, candidate.UnknownMessage)
	}
	if err := u.improvable(cand, answer); err != nil {
		return handler.HTTPResponse{}, err
	}
	stats, err := recorder.Adopt(u.root, id)
	if err != nil || stats.VideoFrames == 0 {
		u.app.Logger().Warn("an uploaded copy was refused", "answer", answer.Id, "error", err)
		return handler.HTTPResponse{}, refuse(http.StatusUnprocessableEntity,
			"The copy is not a VP8/Opus WebM video with picture, or it is damaged. The recording on the server is kept.")
	}
	live := time.Duration(answer.GetInt("duration_ms")) * time.Millisecond
	if stats.Duration < live-tolerance(live) {
		return handler.HTTPResponse{}, refuse(http.StatusUnprocessableEntity, fmt.Sprintf(
			"The copy is %.1f s long, shorter than the %.1f s the server recorded: the recording on the server is kept.",
			stats.Duration.Seconds(), live.Seconds()))
	}
	if limit := u.cfg.TakeLimit(answerSeconds(u.app, answer), cand.GetInt("extra_time_percent")); stats.Duration > max(limit, live)+tolerance(limit) {
		return handler.HTTPResponse{}, refuse(http.StatusUnprocessableEntity, fmt.Sprintf(
			"The copy is %.1f s long, longer than the question's %.0f s: the recording on the server is kept.",
			stats.Duration.Seconds(), limit.Seconds()))
	}
	// a live recording that cannot be read is no reason to refuse a copy that passed every other check
	if live, err := u.liveStats(answer); err == nil && !better(stats, live) {
		return handler.HTTPResponse{}, refuse(http.StatusUnprocessableEntity, fmt.Sprintf(
			"The copy (%d frames at %dx%d) is not better than the recording on the server (%d frames at %dx%d), which is kept.",
			stats.VideoFrames, stats.Width, stats.Height, live.VideoFrames, live.Width, live.Height))
	}
	if u.checked != nil {
		u.checked(answer.Id)
	}
	if err := u.store(answer.Id, id, stats); err != nil {
		u.app.Logger().Error("an uploaded copy could not be stored", "answer", answer.Id, "error", err)
		return handler.HTTPResponse{}, refuse(http.StatusInternalServerError, "The copy could not be stored. The recording on the server is kept.")
	}
	u.app.Logger().Info("uploaded copy stored", "answer", answer.Id, "duration", stats.Duration.String(),
		"live_duration", live.String(), "bytes", stats.Bytes, "width", stats.Width, "height", stats.Height)
	return handler.HTTPResponse{}, nil
}

// liveStats counts what the answer's live recording holds.
func (u *Uploads) liveStats(answer *core.Record) (recorder.Stats, error) {
	name := answer.GetString("video")
	if name == "" {
		return recorder.Stats{}, nil // nothing was stored: any copy is better
	}
	fsys, err := u.app.NewFilesystem()
	if err != nil {
		return recorder.Stats{}, err
	}
	defer fsys.Close()
	r, err := fsys.GetReader(answer.BaseFilesPath() + "/" + name)
	if err != nil {
		return recorder.Stats{}, err
	}
	defer r.Close()
	return recorder.Inspect(r)
}

// better says whether a copy improves on the live recording: a picture at least as large, and at least as many
// frames (a browser's recorder that cannot keep up on a busy device makes a copy with fewer: the live one stays).
func better(upload, live recorder.Stats) bool {
	return upload.Width*upload.Height >= live.Width*live.Height && upload.VideoFrames >= live.VideoFrames
}

// answerSeconds is the time limit of an answer's question, in seconds.
func answerSeconds(app core.App, answer *core.Record) int {
	q, err := app.FindRecordById(pb_migrations.Questions, answer.GetString("question"))
	if err != nil {
		return 0
	}
	return q.GetInt("answer_seconds")
}

// store puts the checked copy in the answer's video field; the live file is deleted once the answer saves. It
// changes the newest copy of the record in one transaction: the candidate may have submitted the answer while the
// copy was being checked, and that must not be undone.
func (u *Uploads) store(answerID, id string, stats recorder.Stats) error {
	f, err := filesystem.NewFileFromPath(filepath.Join(u.cfg.Dir, id))
	if err != nil {
		return err
	}
	return u.app.RunInTransaction(func(tx core.App) error {
		answer, err := tx.FindRecordById(pb_migrations.Answers, answerID)
		if err != nil {
			return err
		}
		f.Name = fmt.Sprintf("take-%d.webm", answer.GetInt("take"))
		answer.Set("video", f)
		answer.Set("source", pb_migrations.SourceUpload)
		answer.Set("duration_ms", stats.Duration.Milliseconds())
		answer.Set("size_bytes", stats.Bytes)
		return tx.Save(answer)
	})
}

// remove deletes an upload's data and its info file.
func (u *Uploads) remove(id string) {
	_ = u.root.Remove(id)
	_ = u.root.Remove(id + ".info")
}

// sweep removes uploads nobody has added to for abandonedAfter: a page closed for good.
func (u *Uploads) sweep(now time.Time) {
	entries, err := os.ReadDir(u.cfg.Dir)
	if err != nil {
		u.app.Logger().Warn("the upload folder could not be read", "error", err)
		return
	}
	var gone []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".info")
		if !ok {
			continue
		}
		if latest := modified(u.root, id, e.Name()); !latest.IsZero() && now.Sub(latest) > abandonedAfter {
			u.remove(id)
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		u.app.Logger().Info("abandoned uploads removed", "uploads", strings.Join(slices.Sorted(slices.Values(gone)), ","))
	}
}

// modified is the newest modification time of an upload's files.
func modified(root *os.Root, names ...string) time.Time {
	var latest time.Time
	for _, n := range names {
		if fi, err := root.Stat(n); err == nil && fi.ModTime().After(latest) {
			latest = fi.ModTime()
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return time.Time{}
		}
	}
	return latest
}
