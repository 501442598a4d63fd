package ingest

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

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

// practiceTake is a finished practice take of one candidate.
type practiceTake struct {
	id       string
	status   string
	duration time.Duration
	expiry   *time.Timer
}

// keepPractice remembers a finished practice take and deletes the candidate's previous one.
func (in *Ingest) keepPractice(t *take, status string, stats recorder.Stats) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.dropPracticeLocked(t.candidateID)
	p := &practiceTake{id: t.id, status: status, duration: stats.Duration}
	p.expiry = time.AfterFunc(PracticeKeep, func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.practice[t.candidateID] == p {
			in.dropPracticeLocked(t.candidateID)
		}
	})
	in.practice[t.candidateID] = p
}

// DiscardPractice deletes the candidate's practice recording, if any.
func (in *Ingest) DiscardPractice(candidateID string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.dropPracticeLocked(candidateID)
}

func (in *Ingest) dropPracticeLocked(candidateID string) {
	p := in.practice[candidateID]
	if p == nil {
		return
	}
	p.expiry.Stop()
	delete(in.practice, candidateID)
	if err := in.root.Remove(in.fileName(p.id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		in.app.Logger().Warn("a practice recording could not be deleted", "take", p.id, "error", err)
	}
}

// PracticeFile opens the candidate's finished practice take with the given id, to play it back to them.
func (in *Ingest) PracticeFile(candidateID, id string) (*os.File, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	p := in.practice[candidateID]
	if p == nil || p.id != id || p.status == "failed" {
		return nil, ErrNoPractice
	}
	return in.root.Open(in.fileName(id))
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
