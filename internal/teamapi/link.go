// Package teamapi holds the team's routes beyond PocketBase's collections API.
package teamapi

import (
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/pb_migrations"
)

// Bind adds the team's routes. publicURL is the base of the links they hand out.
func Bind(r *router.Router[*core.RequestEvent], publicURL string) {
	r.POST("/api/takeone/candidates/{id}/link", candidateLink(publicURL)).Bind(apis.RequireAuth())
}

// candidateLink answers POST /api/takeone/candidates/{id}/link with the candidate's personal link, for an admin, or
// for a recruiter on the candidate's interview. Reviewers never see candidates' keys.
func candidateLink(publicURL string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		candidate, err := e.App.FindRecordById(pb_migrations.Candidates, e.Request.PathValue("id"))
		if err != nil {
			return e.NotFoundError("No such candidate.", nil)
		}
		if !e.HasSuperuserAuth() {
			interview, err := e.App.FindRecordById(pb_migrations.Interviews, candidate.GetString("interview"))
			if err != nil {
				return e.NotFoundError("No such candidate.", nil)
			}
			if !canInvite(e.Auth, interview) {
				// the same answer as for a missing candidate: others' candidates are not confirmed to exist
				return e.NotFoundError("No such candidate.", nil)
			}
		}
		return e.JSON(http.StatusOK, map[string]string{"url": publicURL + "/i/" + candidate.GetString("token")})
	}
}

// canInvite reports whether a team member may invite to an interview: admins, and recruiters who own it or are on
// its team. The same policy as the candidates collection's rules.
func canInvite(user *core.Record, interview *core.Record) bool {
	if user == nil || user.Collection().Name != pb_migrations.Users {
		return false
	}
	switch user.GetString("role") {
	case "admin":
		return true
	case "recruiter":
		if interview.GetString("owner") == user.Id {
			return true
		}
		for _, member := range interview.GetStringSlice("team") {
			if member == user.Id {
				return true
			}
		}
	}
	return false
}
