package ingest

import (
	"fmt"

	"github.com/pocketbase/pocketbase/tools/security"
)

// Studio takes: the team records an interview's welcome video or a question's video in the browser, through the
// same WHIP path and recorder as the candidates' answers. The finished file replaces the field's video; a take
// that recorded nothing changes nothing. A crash leaves no half-saved video: the next start deletes what a studio
// take left, and the team records again.
const studioPrefix = "studio-"

// saveStudio puts the finished studio take takeID into its record's field, replacing the video that was there.
func (in *Ingest) saveStudio(video Studio, takeID string, withFile bool) error {
	if !withFile {
		return nil
	}
	rec, err := in.app.FindRecordById(video.Collection, video.Record)
	if err != nil {
		_ = in.root.Remove(in.fileName(takeID))
		return fmt.Errorf("the %s to record for is gone: %w", video.Collection, err)
	}
	name := fmt.Sprintf("%s_%s.webm", video.Field, security.RandomStringWithAlphabet(10, idAlphabet))
	return in.storeFile(rec, video.Field, name, takeID)
}
