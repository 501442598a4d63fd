package teamapi

import (
	"net/http"
	netmail "net/mail"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/takeone/takeone/internal/mail"
	"github.com/takeone/takeone/pb_migrations"
)

// welcomeValid is how long a new member's link to choose a password works: longer than a password reset (30 min),
// since an invitation may wait in an inbox over a weekend.
const welcomeValid = 7 * 24 * time.Hour

type memberRequest struct {
	Name  string             `json:"name"`
	Email string             `json:"email"`
	Role  pb_migrations.Role `json:"role"`
}

type memberResponse struct {
	ID        string `json:"id"`
	EmailSent bool   `json:"email_sent"`
	Reason    string `json:"reason,omitempty"` // why the email did not go out
	Link      string `json:"link"`             // to choose a password, for the admin to pass on if the email failed
}

// inviteMember answers POST /api/takeone/team/members (admins): a new team member with a role, and an email with
// a link where they choose their password. The account exists even when the email fails; the answer then carries
// the reason and the link for the admin to pass on.
func inviteMember(publicURL string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if !e.HasSuperuserAuth() && (e.Auth == nil || e.Auth.Collection().Name != pb_migrations.Users || pb_migrations.Role(e.Auth.GetString("role")) != pb_migrations.RoleAdmin) {
			return e.ForbiddenError("Only admins add team members.", nil)
		}
		var req memberRequest
		if err := e.BindBody(&req); err != nil {
			return e.BadRequestError("Send {\"name\", \"email\", \"role\"}.", nil)
		}
		req.Name, req.Email = strings.TrimSpace(req.Name), strings.TrimSpace(req.Email)
		fields := map[string]string{}
		if req.Name == "" {
			fields["name"] = "Enter the name."
		}
		if a, err := netmail.ParseAddress(req.Email); err != nil || a.Address != req.Email {
			fields["email"] = "Enter an email address like name@example.com."
		}
		if !slices.Contains(pb_migrations.Roles, req.Role) {
			fields["role"] = "Choose admin, recruiter or reviewer."
		}
		if len(fields) > 0 {
			return e.JSON(http.StatusBadRequest, fieldErrors("Check the highlighted fields.", fields))
		}
		users, err := e.App.FindCollectionByNameOrId(pb_migrations.Users)
		if err != nil {
			return e.InternalServerError("", err)
		}
		if _, err := e.App.FindAuthRecordByEmail(users, req.Email); err == nil {
			return e.JSON(http.StatusBadRequest, fieldErrors("This person is already on the team.", map[string]string{"email": "Already on the team."}))
		}
		u := core.NewRecord(users)
		u.Set("name", req.Name)
		u.SetEmail(req.Email)
		u.Set("role", req.Role)
		u.SetVerified(true)
		u.SetRandomPassword() // unknown to anyone: the member chooses theirs through the link
		if err := e.App.Save(u); err != nil {
			return e.BadRequestError("The member could not be added: "+err.Error(), nil)
		}
		token, err := welcomeToken(u)
		if err != nil {
			return e.InternalServerError("", err)
		}
		res := memberResponse{ID: u.Id, Link: publicURL + "/welcome/" + token}
		inviter := "An admin"
		if e.Auth != nil && e.Auth.GetString("name") != "" {
			inviter = e.Auth.GetString("name")
		}
		err = mail.Send(e.App, mail.Message{
			To:      []netmail.Address{{Name: req.Name, Address: req.Email}},
			Subject: "You are invited to the hiring team on Takeone",
			Text: inviter + " added you to the hiring team on Takeone as " + string(req.Role) + ".\n\n" +
				"Choose your password here (the link works for 7 days):\n" + res.Link + "\n\n" +
				"Then sign in with this email address.",
		})
		if err != nil {
			res.Reason = "The invitation email was not sent (" + err.Error() + "). Pass the link on yourself."
		} else {
			res.EmailSent = true
		}
		return e.JSON(http.StatusOK, res)
	}
}

// welcomeToken is a password-reset token of the member that lasts welcomeValid. It is what PocketBase's own
// password reset signs (the same claims and key), so PocketBase's confirm-password-reset route takes it; choosing
// a password changes the member's token key, which ends it.
func welcomeToken(u *core.Record) (string, error) {
	return security.NewJWT(jwt.MapClaims{
		core.TokenClaimType:         core.TokenTypePasswordReset,
		core.TokenClaimId:           u.Id,
		core.TokenClaimCollectionId: u.Collection().Id,
		core.TokenClaimEmail:        u.Email(),
	}, u.TokenKey()+u.Collection().PasswordResetToken.Secret, welcomeValid)
}

type fieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fieldErrors is PocketBase's error body with messages for single fields, which the web app shows next to them.
func fieldErrors(message string, fields map[string]string) map[string]any {
	data := map[string]fieldError{}
	for k, v := range fields {
		data[k] = fieldError{Code: "invalid", Message: v}
	}
	return map[string]any{"status": http.StatusBadRequest, "message": message, "data": data}
}
