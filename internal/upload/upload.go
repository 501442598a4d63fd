// Package upload takes the candidate's own copy of an answer over tus, the resumable upload protocol, and swaps it
// in as the answer's video. The page records every answer twice: live over WebRTC, which survives a closed tab,
// and with MediaRecorder at the camera's full quality, which a poor network cannot thin out. After Stop the page
// uploads its copy when the live one is not whole; the copy is checked (VP8/Opus WebM, intact, as long as the
// live take, no larger than a take of its length can be), made seekable and stored, and the answer records that
// it holds the upload. The live recording stays until then, and for good when no copy comes or a copy fails the
// checks.
//
// Where the page cannot stream at all (no RTCPeerConnection, a network that blocks WebRTC), an answer is recorded
// by the page alone: its take starts with the transport "upload" (package session), and the page uploads the
// recording while it records, with the length deferred, so that a closed tab loses only the last seconds. The last
// PATCH stores the answer like a live take's end; an upload that stops coming for recordedIdle is kept as far as it
// arrived, as an interrupted take.
//
// The tus routes are under /api/takeone/uploads/. Creating an upload needs the candidate's link token
// (Authorization: Bearer TOKEN) and names the answer in its metadata ("answer"); the upload's URL, 128 random
// bits, is the key to its offset and its PATCHes after that.
package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
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
	// recordedIdle is how long an answer recorded by upload may go without a PATCH before what arrived is kept as
	// an interrupted take: the page sends a part every second or two while recording, and retries a dropped
	// connection for longer than a lift ride.
	recordedIdle = time.Minute
)

// Config is what the uploads need from the server.
type Config struct {
	Dir string // where uploads in progress are kept
	// TakeLimit is a question's time limit for a candidate (the ingest's, so that both agree).
	TakeLimit func(answerSeconds, extraPercent int) time.Duration
}

// Uploads serves the tus routes and swaps finished copies in.
type Uploads struct {
	app    core.App
	cfg    Config
	root   *os.Root
	tus    http.Handler
	locker *memorylocker.MemoryLocker

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
	u := &Uploads{app: app, cfg: cfg, root: root, locker: memorylocker.New()}
	composer := handler.NewStoreComposer()
	filestore.New(cfg.Dir).UseIn(composer)
	u.locker.UseIn(composer)
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

// Bind adds the tus routes, a sweep each minute of answers recorded by upload that stopped coming, and an hourly
// sweep of abandoned uploads.
func (u *Uploads) Bind(r *router.Router[*core.RequestEvent]) {
	serve := func(e *core.RequestEvent) error {
		if e.Request.Method == http.MethodPatch {
			if err := u.capPatch(e.Request); err != nil {
				err.HTTPResponse.Header["Tus-Resumable"] = "1.0.0"
				err.HTTPResponse.Header["Cache-Control"] = "no-store"
				writeResponse(e.Response, err.HTTPResponse)
				return nil
			}
		}
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
	u.app.Cron().MustAdd("takeoneRecordedUploads", "* * * * *", func() { u.sweepRecorded(time.Now()) })
}

// writeResponse sends a tus response outside the tus handler.
func writeResponse(w http.ResponseWriter, res handler.HTTPResponse) {
	for k, v := range res.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(res.StatusCode)
	_, _ = io.WriteString(w, res.Body)
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
	if recordedByUpload(answer) {
		// recorded while it uploads: its size is told with the last part, and one upload makes one answer
		if u.uploadOf(answer.Id) != "" {
			return none, handler.FileInfoChanges{}, refuse(http.StatusConflict, "This answer is already being uploaded: resume that upload (HEAD its URL for the offset).")
		}
	} else if hook.Upload.SizeIsDeferred {
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
	if recordedByUpload(answer) {
		return nil
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

// recordedByUpload says whether an answer is being recorded by the page and uploaded as it records.
func recordedByUpload(answer *core.Record) bool {
	return pb_migrations.AnswerStatus(answer.GetString("status")) == pb_migrations.AnswerRecording &&
		pb_migrations.AnswerSource(answer.GetString("source")) == pb_migrations.SourceUpload
}

// uploadOf is the id of the upload in progress for an answer ("" when there is none).
func (u *Uploads) uploadOf(answerID string) string {
	infos, _ := filepath.Glob(filepath.Join(u.cfg.Dir, answerID+"-*.info"))
	if len(infos) == 0 {
		return ""
	}
	return strings.TrimSuffix(filepath.Base(infos[0]), ".info")
}

// capPatch refuses a PATCH that would take an upload whose length is not told yet past its answer's cap: the
// length is told only with the last part, so each part is checked as it comes. (tusd checks uploads of a told
// length itself.)
func (u *Uploads) capPatch(r *http.Request) *handler.Error {
	id := strings.TrimPrefix(r.URL.Path, BasePath)
	data, err := u.root.ReadFile(id + ".info")
	if err != nil {
		return nil // tusd answers for an upload it does not have
	}
	var info handler.FileInfo
	if json.Unmarshal(data, &info) != nil || !info.SizeIsDeferred {
		return nil
	}
	answer, err := u.app.FindRecordById(pb_migrations.Answers, info.MetaData["answer"])
	if err != nil {
		return nil
	}
	cand, err := u.app.FindRecordById(pb_migrations.Candidates, answer.GetString("candidate"))
	if err != nil {
		return nil
	}
	limit := u.sizeCap(cand, answer)
	if r.ContentLength < 0 || info.Offset+r.ContentLength > limit {
		e := refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"This answer is larger than an answer of its length can be (%d MB): send each part with its Content-Length, within the cap.", limit>>20))
		return &e
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
	if recordedByUpload(answer) {
		return handler.HTTPResponse{}, u.finishRecorded(cand, answer, id)
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
	if err := u.store(answer.Id, id, stats, ""); err != nil {
		u.app.Logger().Error("an uploaded copy could not be stored", "answer", answer.Id, "error", err)
		return handler.HTTPResponse{}, refuse(http.StatusInternalServerError, "The copy could not be stored. The recording on the server is kept.")
	}
	u.app.Logger().Info("uploaded copy stored", "answer", answer.Id, "duration", stats.Duration.String(),
		"live_duration", live.String(), "bytes", stats.Bytes, "width", stats.Width, "height", stats.Height)
	return handler.HTTPResponse{}, nil
}

// finishRecorded checks an answer the page recorded and uploaded whole, and stores it as the take's end does: a
// complete answer. One that cannot be read, or is longer than its question allows, is refused and leaves the
// take failed (a free retake): there is no live recording to fall back on.
func (u *Uploads) finishRecorded(cand, answer *core.Record, id string) error {
	stats, err := recorder.Adopt(u.root, id)
	limit := u.cfg.TakeLimit(answerSeconds(u.app, answer), cand.GetInt("extra_time_percent"))
	var refusal error
	switch {
	case err != nil || stats.VideoFrames == 0:
		u.app.Logger().Warn("an answer recorded by upload was refused", "answer", answer.Id, "error", err)
		refusal = refuse(http.StatusUnprocessableEntity,
			"The recording is not a VP8/Opus WebM video with picture, or it is damaged. Record this answer again: this take does not count.")
	case stats.Duration > limit+tolerance(limit):
		refusal = refuse(http.StatusUnprocessableEntity, fmt.Sprintf(
			"The recording is %.1f s long, longer than the question's %.0f s. Record this answer again: this take does not count.",
			stats.Duration.Seconds(), limit.Seconds()))
	}
	if refusal != nil {
		if err := u.fail(answer.Id); err != nil {
			u.app.Logger().Error("a refused answer could not be marked failed", "answer", answer.Id, "error", err)
		}
		return refusal
	}
	if err := u.store(answer.Id, id, stats, pb_migrations.AnswerComplete); err != nil {
		u.app.Logger().Error("an answer recorded by upload could not be stored", "answer", answer.Id, "error", err)
		return refuse(http.StatusInternalServerError, "The recording could not be stored. Send its last part again.")
	}
	u.app.Logger().Info("answer recorded by upload stored", "answer", answer.Id, "duration", stats.Duration.String(),
		"bytes", stats.Bytes, "width", stats.Width, "height", stats.Height)
	return nil
}

// fail marks an answer recorded by upload as failed: nothing of it is kept.
func (u *Uploads) fail(answerID string) error {
	answer, err := u.app.FindRecordById(pb_migrations.Answers, answerID)
	if err != nil {
		return err
	}
	answer.Set("status", pb_migrations.AnswerFailed)
	return u.app.Save(answer)
}

// sweepRecorded keeps what arrived of the answers recorded by upload that stopped coming for recordedIdle (a tab
// closed while recording, a device gone for good): repaired up to their last whole cluster and stored as
// interrupted takes, which do not use up a take. Answers whose upload never began are marked failed.
func (u *Uploads) sweepRecorded(now time.Time) {
	answers, err := u.app.FindAllRecords(pb_migrations.Answers, dbx.HashExp{
		"status": pb_migrations.AnswerRecording, "source": pb_migrations.SourceUpload})
	if err != nil {
		u.app.Logger().Warn("answers recorded by upload could not be read", "error", err)
		return
	}
	for _, answer := range answers {
		id := u.uploadOf(answer.Id)
		if id == "" {
			if now.Sub(answer.GetDateTime("updated").Time()) > recordedIdle {
				if err := u.fail(answer.Id); err != nil {
					u.app.Logger().Error("an answer whose upload never began could not be marked failed", "answer", answer.Id, "error", err)
				}
			}
			continue
		}
		if latest := modified(u.root, id, id+".info"); latest.IsZero() || now.Sub(latest) <= recordedIdle {
			continue
		}
		u.keepPartial(answer.Id, id)
	}
}

// keepPartial stores what arrived of an upload that stopped coming as its answer, interrupted. It holds the
// upload's lock, so that a PATCH arriving meanwhile waits and then finds the upload gone.
func (u *Uploads) keepPartial(answerID, id string) {
	lock, err := u.locker.NewLock(id)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if lock.Lock(ctx, func() {}) != nil {
		return // a PATCH holds it: it is not idle after all
	}
	defer func() { _ = lock.Unlock() }()
	u.mu.Lock()
	defer u.mu.Unlock()
	defer u.remove(id)
	stats, err := recorder.Repair(u.root, id)
	if err != nil || stats.VideoFrames == 0 {
		u.app.Logger().Warn("an answer recorded by upload stopped coming and holds nothing to keep", "answer", answerID, "error", err)
		if err := u.fail(answerID); err != nil {
			u.app.Logger().Error("an answer could not be marked failed", "answer", answerID, "error", err)
		}
		return
	}
	if err := u.store(answerID, id, stats, pb_migrations.AnswerInterrupted); err != nil {
		u.app.Logger().Error("what arrived of an answer recorded by upload could not be stored", "answer", answerID, "error", err)
		return
	}
	u.app.Logger().Info("an answer recorded by upload stopped coming; what arrived is kept", "answer", answerID,
		"duration", stats.Duration.String(), "bytes", stats.Bytes)
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

// store puts the checked copy in the answer's video field, and the status unless it is ""; the live file is
// deleted once the answer saves. It changes the newest copy of the record in one transaction: the candidate may
// have submitted the answer while the copy was being checked, and that must not be undone.
func (u *Uploads) store(answerID, id string, stats recorder.Stats, status pb_migrations.AnswerStatus) error {
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
		if status != "" {
			answer.Set("status", status)
		}
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
