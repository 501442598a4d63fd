package ingest

import (
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/takeone/takeone/internal/recorder"
	"github.com/takeone/takeone/pb_migrations"
)

// Destination is where a finished take goes: an Answer, an Unstored take, or a Studio video. Each saves the take
// its own way.
type Destination interface {
	// takeID names a new take going here; its file in the recordings dir is named after it
	takeID() string
	// save keeps what the take recorded. It runs once, on the take's own goroutine, after the file is closed.
	save(in *Ingest, t *take, o outcome)
}

// outcome is how a take ended: the status an answer gets, whether the file is worth keeping, and what it holds.
type outcome struct {
	status   pb_migrations.AnswerStatus
	withFile bool
	stats    recorder.Stats
}

// Answer is a candidate's take of a question: it fills the answer record ID, made before the take starts, and the
// take is named after it.
type Answer struct{ ID string }

func (a Answer) takeID() string { return a.ID }

func (a Answer) save(in *Ingest, t *take, o outcome) {
	if err := in.saveAnswer(a.ID, o); err != nil {
		// the file stays in the recordings dir and the answer stays "recording": the next start repairs and saves it
		in.app.Logger().Error("saving a take failed; it will be retried at the next start", "take", t.id, "error", err)
	}
}

// Unstored is a take never stored (a candidate's practice take, a take in a preview): no record is made, and the
// file is played back to its owner alone until it is replaced or expires (practice.go). Slot is "" for the
// practice question, a question id in a preview.
type Unstored struct{ Slot string }

func (Unstored) takeID() string { return randomTakeID(practicePrefix) }

func (u Unstored) save(in *Ingest, t *take, o outcome) { in.keepUnstored(t, u.Slot, o) }

// Studio is a team member's take of a video: it fills the file field Field of the record Record in Collection (an
// interview's welcome_video, a question's video), replacing the video there (studio.go).
type Studio struct{ Collection, Record, Field string }

func (Studio) takeID() string { return randomTakeID(studioPrefix) }

func (s Studio) save(in *Ingest, t *take, o outcome) {
	if err := in.saveStudio(s, t.id, o.withFile); err != nil {
		in.app.Logger().Error("saving a studio take failed", "take", t.id, "error", err)
	}
}

// randomTakeID names a take that fills no record; prefix tells the next start whose leftover its file is.
func randomTakeID(prefix string) string {
	return prefix + security.RandomStringWithAlphabet(15, idAlphabet)
}
