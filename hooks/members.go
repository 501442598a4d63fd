package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/pb_migrations"
)

const lastAdminMessage = "This is the only admin. Make someone else admin first, so that the team keeps someone who can manage people."

// keepAnAdmin refuses a team request that would leave no admin: the last admin's role changed or their account
// removed. Operators can still fix anything through /_/.
func keepAnAdmin(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	wasAdmin := pb_migrations.Role(e.Record.Original().GetString("role")) == pb_migrations.RoleAdmin
	leaving := e.Request.Method == "DELETE" || pb_migrations.Role(e.Record.GetString("role")) != pb_migrations.RoleAdmin
	if wasAdmin && leaving {
		others, err := e.App.CountRecords(pb_migrations.Users, dbx.HashExp{"role": pb_migrations.RoleAdmin}, dbx.Not(dbx.HashExp{"id": e.Record.Id}))
		if err != nil {
			return err
		}
		if others == 0 {
			return e.BadRequestError(lastAdminMessage, nil)
		}
	}
	return e.Next()
}
