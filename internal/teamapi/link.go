// Package teamapi holds the team's routes beyond PocketBase's collections API.
package teamapi

import (
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/internal/access"
	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/invite"
	"github.com/takeone/takeone/pb_migrations"
)

// Bind adds the team's routes. publicURL is the base of the links they hand out; in records the team's videos, and
// without it (commands that do not serve) the recording routes are left out.
func Bind(r *router.Router[*core.RequestEvent], publicURL string, in *ingest.Ingest) {
	r.POST("/api/takeone/candidates/{id}/link", candidateLink(publicURL)).Bind(apis.RequireAuth())
	r.POST("/api/takeone/candidates/{id}/invite", sendInvitation(publicURL)).Bind(apis.RequireAuth())
	r.POST("/api/takeone/team/members", inviteMember(publicURL)).Bind(apis.RequireAuth())
	r.POST("/api/takeone/interviews/{id}/candidates/import", importCandidates).Bind(apis.RequireAuth(), apis.BodyLimit(maxImportBytes+1<<20))
	bindDecisions(r)
	if in != nil {
		bindStudio(r, in)
	}
}

// candidateLink answers POST /api/takeone/candidates/{id}/link with the candidate's personal link, for an admin, or
// for a recruiter on the candidate's interview. Reviewers never see candidates' keys.
func candidateLink(publicURL string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		candidate, err := invitable(e)
		if candidate == nil {
			return err
		}
		return e.JSON(http.StatusOK, map[string]string{"url": invite.Link(publicURL, candidate)})
	}
}

// sendInvitation answers POST /api/takeone/candidates/{id}/invite: the invitation email goes out again, now. 200
// with the candidate's invite_status when it was sent; 502 with the reason when the mail server did not take it
// (the candidate keeps invite_status "failed" and the reason, for a later retry).
func sendInvitation(publicURL string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		candidate, err := invitable(e)
		if candidate == nil {
			return err
		}
		if err := invite.Send(e.App, candidate, publicURL); err != nil {
			return e.Error(http.StatusBadGateway, err.Error(), nil)
		}
		return e.JSON(http.StatusOK, map[string]string{"invite_status": candidate.GetString("invite_status")})
	}
}

// invitable finds the request's candidate if the caller may invite to their interview: a superuser, an admin, or
// a recruiter on the interview. Others get the same 404 as for a missing candidate, so others' candidates are not
// confirmed to exist. It answers the error itself when it returns nil.
func invitable(e *core.RequestEvent) (*core.Record, error) {
	candidate, err := e.App.FindRecordById(pb_migrations.Candidates, e.Request.PathValue("id"))
	if err != nil {
		return nil, e.NotFoundError("No such candidate.", nil)
	}
	if e.HasSuperuserAuth() {
		return candidate, nil
	}
	interview, err := e.App.FindRecordById(pb_migrations.Interviews, candidate.GetString("interview"))
	if err != nil || !canInvite(e.Auth, interview) {
		return nil, e.NotFoundError("No such candidate.", nil)
	}
	return candidate, nil
}

// canInvite reports whether a team member may invite to an interview.
func canInvite(user, interview *core.Record) bool { return access.CanManage(user, interview) }
