// Package access answers who may manage an interview, for the routes beyond PocketBase's collection rules. It is
// the same policy as those rules (pb_migrations): admins manage every interview; recruiters those they own or whose
// team holds them; reviewers none.
package access

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/pb_migrations"
)

// CanManage reports whether user may change the interview and invite to it.
func CanManage(user, interview *core.Record) bool {
	if user == nil || interview == nil || user.Collection().Name != pb_migrations.Users {
		return false
	}
	switch pb_migrations.Role(user.GetString("role")) {
	case pb_migrations.RoleAdmin:
		return true
	case pb_migrations.RoleRecruiter:
		return interview.GetString("owner") == user.Id || slices.Contains(interview.GetStringSlice("team"), user.Id)
	}
	return false
}
