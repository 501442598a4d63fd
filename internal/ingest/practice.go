package ingest

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/takeone/takeone/pb_migrations"
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
	status   pb_migrations.AnswerStatus
	duration time.Duration
	expiry   *time.Timer
}

// unstoredKey names a kept take: its owner (a candidate, or a previewing team member) and its slot ("" for the
// practice question, a question id in a preview). An owner keeps one take per slot.
type unstoredKey struct {
	owner Owner
	slot  string
}

// keepUnstored remembers a finished unstored take and deletes the one it replaces.
func (in *Ingest) keepUnstored(t *take, slot string, o outcome) {
	in.mu.Lock()
	defer in.mu.Unlock()
	key := unstoredKey{owner: t.owner, slot: slot}
	in.dropPracticeLocked(key)
	p := &practiceTake{id: t.id, status: o.status, duration: o.stats.Duration}
	p.expiry = time.AfterFunc(PracticeKeep, func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.practice[key] == p {
			in.dropPracticeLocked(key)
		}
	})
	in.practice[key] = p
}

// DiscardPractice deletes every unstored take of the owner: a candidate's practice take, a preview's takes.
func (in *Ingest) DiscardPractice(owner Owner) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for key := range in.practice {
		if key.owner == owner {
			in.dropPracticeLocked(key)
		}
	}
}

func (in *Ingest) dropPracticeLocked(key unstoredKey) {
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
func (in *Ingest) PracticeFile(owner Owner, id string) (*os.File, error) {
	return in.unstoredFile(id, func(o Owner) bool { return o == owner })
}

// PreviewFile opens a finished take of any preview by its id: the random id is the key to it, as a player cannot
// send a sign-in.
func (in *Ingest) PreviewFile(id string) (*os.File, error) {
	return in.unstoredFile(id, func(o Owner) bool {
		_, ok := o.(Preview)
		return ok
	})
}

// unstoredFile opens the finished unstored take with the given id if its owner is one of whose.
func (in *Ingest) unstoredFile(id string, whose func(Owner) bool) (*os.File, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for key, p := range in.practice {
		if whose(key.owner) && p.id == id && p.status != pb_migrations.AnswerFailed {
			return in.root.Open(in.fileName(id))
		}
	}
	return nil, ErrNoPractice
}

// Kept is a finished unstored take, as a preview shows it.
type Kept struct {
	ID       string
	Status   pb_migrations.AnswerStatus
	Duration time.Duration
}

// KeptTake is the owner's finished unstored take in slot, if any.
func (in *Ingest) KeptTake(owner Owner, slot string) (Kept, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	p := in.practice[unstoredKey{owner: owner, slot: slot}]
	if p == nil {
		return Kept{}, false
	}
	return Kept{ID: p.id, Status: p.status, Duration: p.duration}, true
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

// LiveTake is the owner's take in progress, if any.
func (in *Ingest) LiveTake(owner Owner) (Take, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, t := range in.takes {
		if t.owner == owner {
			_, unstored := t.dest.(Unstored)
			return Take{ID: t.id, Practice: unstored}, true
		}
	}
	return Take{}, false
}

// Interrupt ends the owner's live take as interrupted, as if its connection had died (a reloaded page left it
// behind), and waits until it is saved.
func (in *Ingest) Interrupt(owner Owner) {
	in.endLive(owner, endDisconnected, func(*take) bool { return true })
}

// EndUnstored ends the owner's live unstored take (a practice take, a take in a preview), if any, and waits until
// it is put away, so that a new one can start: nothing of it is stored, so replacing it loses nothing, and a page
// whose connection test failed can test again at once. A live take that is stored (an answer, a studio video) is
// left alone.
func (in *Ingest) EndUnstored(owner Owner) {
	in.endLive(owner, endReplaced, func(t *take) bool {
		_, unstored := t.dest.(Unstored)
		return unstored
	})
}

// endLive ends the owner's live take for reason if it is one of which, and waits until it is saved.
func (in *Ingest) endLive(owner Owner, reason endReason, which func(*take) bool) {
	in.mu.Lock()
	var live *take
	for _, t := range in.takes {
		if t.owner == owner && which(t) {
			live = t
		}
	}
	in.mu.Unlock()
	if live == nil {
		return
	}
	live.end(reason)
	select {
	case <-live.done:
	case <-time.After(deleteWait):
	}
}
