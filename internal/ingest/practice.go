package ingest

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/takeone/takeone/internal/recorder"
)

// The practice question lets a candidate try the camera, the microphone and the connection before the real
// questions. Its takes go through the same WHIP path and recorder, but no answer record is made: the file is
// played back to the candidate alone and deleted when the next practice take starts, when the interview is
// completed, after PracticeKeep, or at the next start of the server.
const (
	PracticeSeconds = 30
	PracticeKeep    = 30 * time.Minute
	practicePrefix  = "practice-"
	idAlphabet      = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// ErrNoPractice is returned for a practice take that does not exist (any more).
var ErrNoPractice = errors.New("this practice take is gone; record a new one")

// practiceTake is a finished take that is never stored: a candidate's practice take, or a team member's take in
// the candidate page's preview.
type practiceTake struct {
	id       string
	status   string
	duration time.Duration
	expiry   *time.Timer
}

// unstoredKey names a kept take: its owner (a candidate, or a previewing team member) and its slot ("" for the
// practice question, a question id in a preview).
func unstoredKey(owner, slot string) string { return owner + "|" + slot }

// keepPractice remembers a finished unstored take and deletes the one it replaces.
func (in *Ingest) keepPractice(t *take, status string, stats recorder.Stats) {
	in.mu.Lock()
	defer in.mu.Unlock()
	key := unstoredKey(t.candidateID, t.slot)
	in.dropPracticeLocked(key)
	p := &practiceTake{id: t.id, status: status, duration: stats.Duration}
	p.expiry = time.AfterFunc(PracticeKeep, func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.practice[key] == p {
			in.dropPracticeLocked(key)
		}
	})
	in.practice[key] = p
}

// DiscardPractice deletes every unstored take of the owner (a candidate's practice take).
func (in *Ingest) DiscardPractice(owner string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for key := range in.practice {
		if strings.HasPrefix(key, owner+"|") {
			in.dropPracticeLocked(key)
		}
	}
}

func (in *Ingest) dropPracticeLocked(key string) {
	p := in.practice[key]
	if p == nil {
		return
	}
	p.expiry.Stop()
	delete(in.practice, key)
	if err := in.root.Remove(in.fileName(p.id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		in.app.Logger().Warn("an unstored recording could not be deleted", "take", p.id, "error", err)
	}
}

// PracticeFile opens the owner's finished unstored take with the given id, to play it back to them.
func (in *Ingest) PracticeFile(owner, id string) (*os.File, error) {
	return in.unstoredFile(owner+"|", id)
}

// PreviewFile opens a finished unstored take of any owner whose key starts with prefix (every preview's), by its
// id: the random id is the key to it, as a player cannot send a sign-in.
func (in *Ingest) PreviewFile(prefix, id string) (*os.File, error) {
	return in.unstoredFile(prefix, id)
}

func (in *Ingest) unstoredFile(prefix, id string) (*os.File, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for key, p := range in.practice {
		if strings.HasPrefix(key, prefix) && p.id == id && p.status != "failed" {
			return in.root.Open(in.fileName(id))
		}
	}
	return nil, ErrNoPractice
}

// Kept is a finished unstored take, as a preview shows it.
type Kept struct {
	ID       string
	Status   string
	Duration time.Duration
}

// KeptTake is the owner's finished unstored take in slot, if any.
func (in *Ingest) KeptTake(owner, slot string) (Kept, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	p := in.practice[unstoredKey(owner, slot)]
	if p == nil {
		return Kept{}, false
	}
	return Kept{ID: p.id, Status: p.status, Duration: p.duration}, true
}

// StartUnstored starts a take that is recorded like any other and never stored: owner's take of slot, with the
// given time limit. It answers the request itself, like the take routes.
func (in *Ingest) StartUnstored(e *core.RequestEvent, owner, slot string, limit time.Duration) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.checkRoom(e, owner); err != nil {
		return err
	}
	t := newTake(in, practicePrefix+security.RandomStringWithAlphabet(15, idAlphabet), owner, newWHIPToken(), min(limit, in.cfg.MaxAnswer))
	t.practice, t.slot = true, slot
	return in.launch(e, t)
}

// removeLeftovers deletes the files of takes that are never kept across a start (practice and studio takes),
// named with prefix.
func (in *Ingest) removeLeftovers(prefix string) {
	entries, err := fs.ReadDir(in.root.FS(), ".")
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			_ = in.root.Remove(e.Name())
		}
	}
}

// Take is a live or just-ended take as the candidate's page sees it.
type Take struct {
	ID       string
	Practice bool
}

// LiveTake is the candidate's take in progress, if any.
func (in *Ingest) LiveTake(candidateID string) (Take, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, t := range in.takes {
		if t.candidateID == candidateID {
			return Take{ID: t.id, Practice: t.practice}, true
		}
	}
	return Take{}, false
}

// Interrupt ends the candidate's live take as interrupted, as if its connection had died (a reloaded page left
// it behind), and waits until it is saved.
func (in *Ingest) Interrupt(candidateID string) {
	in.mu.Lock()
	var live *take
	for _, t := range in.takes {
		if t.candidateID == candidateID {
			live = t
		}
	}
	in.mu.Unlock()
	if live == nil {
		return
	}
	live.end(endDisconnected)
	select {
	case <-live.done:
	case <-time.After(deleteWait):
	}
}
