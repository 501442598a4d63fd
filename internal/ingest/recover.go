package ingest

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/pocketbase/dbx"

	"github.com/takeone/takeone/internal/recorder"
	"github.com/takeone/takeone/pb_migrations"
)

// Recover finishes the takes a crash left "recording": each file is repaired into a playable, seekable one and
// saved into its answer, marked interrupted. Nothing is deleted but practice takes, which are never kept. Call it after the database is open, before
// serving.
func (in *Ingest) Recover() error {
	in.removeLeftovers(practicePrefix)
	in.removeLeftovers(studioPrefix) // the record a studio take was for is not kept anywhere: the team records again
	// an answer the page records and uploads has no file here: its upload is finished by package upload
	answers, err := in.app.FindAllRecords(pb_migrations.Answers, dbx.HashExp{"status": pb_migrations.AnswerRecording},
		dbx.Not(dbx.HashExp{"source": pb_migrations.SourceUpload}))
	if err != nil {
		return fmt.Errorf("find takes left recording: %w", err)
	}
	for _, answer := range answers {
		stats, err := recorder.Repair(in.root, in.fileName(answer.Id))
		o := outcome{status: pb_migrations.AnswerInterrupted, withFile: err == nil && stats.Bytes > 0, stats: stats}
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, recorder.ErrNoMedia):
			o.status = pb_migrations.AnswerFailed // the take never received media: there is nothing to keep
		case err != nil:
			in.app.Logger().Error("a take left by a crash cannot be repaired; its file stays in the recordings dir",
				"take", answer.Id, "file", in.filePath(answer.Id), "error", err)
			o.status = pb_migrations.AnswerFailed
			o.withFile = false
		}
		if err := in.saveAnswer(answer.Id, o); err != nil {
			return fmt.Errorf("recover take %s: %w", answer.Id, err)
		}
		in.app.Logger().Info("recovered a take left by a crash", "take", answer.Id, "status", o.status, "duration", stats.Duration.String())
	}
	return nil
}
