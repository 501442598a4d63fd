// Package setup creates the first admin account. While no admin exists, the server prints a one-time link; whoever
// opens it (the operator who started the server and can read its log) chooses the admin's name, email and password.
package setup

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/takeone/takeone/pb_migrations"
)

// Setup holds the one-time token of the first-admin link.
type Setup struct {
	app   core.App
	mu    sync.Mutex // serializes the check for an admin and the creation of the first one
	token string
}

// New returns the first-admin setup of app.
func New(app core.App) *Setup { return &Setup{app: app} }

// Link returns the page that creates the first admin, and false once an admin exists.
//
// Example:
//
//	if link, ok := s.Link("http://127.0.0.1:8090"); ok {
//		fmt.Println("Create the first admin account:", link)
//	}
func (s *Setup) Link(publicURL string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.adminExists() {
		return "", false
	}
	if s.token == "" {
		s.token = rand.Text()
	}
	return strings.TrimRight(publicURL, "/") + "/setup/" + s.token, true
}

// Bind adds the setup routes.
func (s *Setup) Bind(r *router.Router[*core.RequestEvent]) {
	r.GET("/api/takeone/setup/{token}", s.check)
	r.POST("/api/takeone/setup/{token}", s.createAdmin)
}

func (s *Setup) adminExists() bool {
	n, err := s.app.CountRecords(pb_migrations.Users, dbx.HashExp{"role": pb_migrations.RoleAdmin})
	return err != nil || n > 0 // when the database cannot say, stay closed
}

// validToken reports whether token opens the setup. Called locked.
func (s *Setup) validToken(token string) error {
	if s.adminExists() {
		return errors.New("Takeone already has an admin. Sign in, or ask an admin to invite you.")
	}
	if s.token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) != 1 {
		return errors.New("This setup link is not valid. The server prints the current link in its log at each start (journalctl -u takeone).")
	}
	return nil
}

func (s *Setup) check(e *core.RequestEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.validToken(e.Request.PathValue("token")); err != nil {
		return e.ForbiddenError(err.Error(), nil)
	}
	return e.JSON(http.StatusOK, map[string]bool{"valid": true})
}

type adminForm struct {
	Name            string `json:"name"`
	Email           string `json:"email"`
	Password        string `json:"password"`
	PasswordConfirm string `json:"passwordConfirm"`
}

func (s *Setup) createAdmin(e *core.RequestEvent) error {
	var form adminForm
	if err := e.BindBody(&form); err != nil {
		return e.BadRequestError("Send name, email, password and passwordConfirm as JSON.", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.validToken(e.Request.PathValue("token")); err != nil {
		return e.ForbiddenError(err.Error(), nil)
	}

	users, err := e.App.FindCollectionByNameOrId(pb_migrations.Users)
	if err != nil {
		return e.InternalServerError("", err)
	}
	admin := core.NewRecord(users)
	admin.Set("name", strings.TrimSpace(form.Name))
	admin.SetEmail(strings.TrimSpace(form.Email))
	admin.SetPassword(form.Password)
	admin.SetVerified(true)
	admin.Set("role", pb_migrations.RoleAdmin)
	if form.Password != form.PasswordConfirm {
		return apis.NewBadRequestError("The passwords do not match.", map[string]any{
			"passwordConfirm": map[string]string{"code": "validation_values_mismatch", "message": "The passwords do not match."},
		})
	}
	if err := e.App.Save(admin); err != nil {
		return e.BadRequestError("Check the highlighted fields.", err)
	}
	s.token = ""
	e.App.Logger().Info("First admin account created", "email", admin.Email())
	return apis.RecordAuthResponse(e, admin, "", nil)
}
