package teamapi

import (
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/internal/access"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/pb_migrations"
)

// bindStudio adds the team's recording routes: an interview's welcome video and a question's video, recorded in
// the browser through the same WHIP path and recorder as the candidates' answers.
func bindStudio(r *router.Router[*core.RequestEvent], in *ingest.Ingest) {
	r.POST("/api/takeone/interviews/{id}/welcome-video/takes", startStudio(in, pb_migrations.Interviews, "welcome_video")).Bind(apis.RequireAuth())
	r.POST("/api/takeone/questions/{id}/video/takes", startStudio(in, pb_migrations.Questions, "video")).Bind(apis.RequireAuth())
}

// startStudio answers the team's request for a take of one record's video: like a candidate's take, with the
// server's longest answer time as its limit, and one live take per member. Only those who manage the interview may
// record; others get 404.
func startStudio(in *ingest.Ingest, collection, field string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		notFound := "No such " + strings.TrimSuffix(collection, "s") + "."
		rec, err := e.App.FindRecordById(collection, e.Request.PathValue("id"))
		if err != nil {
			return e.NotFoundError(notFound, nil)
		}
		interviewID := rec.Id
		if collection == pb_migrations.Questions {
			interviewID = rec.GetString("interview")
		}
		interview, err := e.App.FindRecordById(pb_migrations.Interviews, interviewID)
		if err != nil || (!e.HasSuperuserAuth() && !access.CanManage(e.Auth, interview)) {
			return e.NotFoundError(notFound, nil)
		}
		video := ingest.Studio{Collection: collection, Record: rec.Id, Field: field}
		return in.Start(e, ingest.Member{ID: e.Auth.Id}, video, in.MaxAnswer())
	}
}
