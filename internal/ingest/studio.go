package ingest

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/takeone/takeone/internal/access"
	"github.com/takeone/takeone/pb_migrations"
)

// Studio takes: the team records an interview's welcome video or a question's video in the browser, through the
// same WHIP path and recorder as the candidates' answers. The finished file replaces the field's video; a take
// that recorded nothing changes nothing. A crash leaves no half-saved video: the next start deletes what a studio
// take left, and the team records again.
const studioPrefix = "studio-"

// studioTarget is the record and file field a studio take fills.
type studioTarget struct {
	collection, id, field string
}

// bindStudio adds the team's recording routes.
func (in *Ingest) bindStudio(r *router.Router[*core.RequestEvent]) {
	r.POST("/api/takeone/interviews/{id}/welcome-video/takes", in.startStudio(pb_migrations.Interviews, "welcome_video")).Bind(apis.RequireAuth())
	r.POST("/api/takeone/questions/{id}/video/takes", in.startStudio(pb_migrations.Questions, "video")).Bind(apis.RequireAuth())
}

// startStudio answers the team's request for a take of one record's video: like a candidate's take, with the
// server's longest answer time as its limit. Only those who manage the interview may record; others get 404.
func (in *Ingest) startStudio(collection, field string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		rec, err := e.App.FindRecordById(collection, e.Request.PathValue("id"))
		if err != nil {
			return e.NotFoundError("No such "+strings.TrimSuffix(collection, "s")+".", nil)
		}
		interviewID := rec.Id
		if collection == pb_migrations.Questions {
			interviewID = rec.GetString("interview")
		}
		interview, err := e.App.FindRecordById(pb_migrations.Interviews, interviewID)
		if err != nil || (!e.HasSuperuserAuth() && !access.CanManage(e.Auth, interview)) {
			return e.NotFoundError("No such "+strings.TrimSuffix(collection, "s")+".", nil)
		}
		in.mu.Lock()
		defer in.mu.Unlock()
		// one live studio take per team member, like one live take per candidate
		if err := in.checkRoom(e, "user:"+e.Auth.Id); err != nil {
			return err
		}
		t := newTake(in, studioPrefix+security.RandomStringWithAlphabet(15, idAlphabet), "user:"+e.Auth.Id, newWHIPToken(), in.cfg.MaxAnswer)
		t.studio = &studioTarget{collection: collection, id: rec.Id, field: field}
		return in.launch(e, t)
	}
}

// saveStudio puts a finished studio take into its record's field, replacing the video that was there.
func (in *Ingest) saveStudio(t *take, withFile bool) error {
	if !withFile {
		return nil
	}
	rec, err := in.app.FindRecordById(t.studio.collection, t.studio.id)
	if err != nil {
		_ = in.root.Remove(in.fileName(t.id))
		return fmt.Errorf("the %s to record for is gone: %w", t.studio.collection, err)
	}
	name := fmt.Sprintf("%s_%s.webm", t.studio.field, security.RandomStringWithAlphabet(10, idAlphabet))
	return in.storeFile(rec, t.studio.field, name, t.id)
}
