package web

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// BindUI serves the web app: its files, and index.html for every page path (/, /setup/..., /i/...), where the app
// routes on the client. A no_ui build (ui nil) serves a short page that says so.
func BindUI(r *router.Router[*core.RequestEvent], ui fs.FS) {
	if ui == nil {
		r.GET("/{path...}", func(e *core.RequestEvent) error {
			return e.String(http.StatusOK, "Takeone was built without its web app (no_ui). The REST API is at /api/.\n")
		})
		return
	}
	r.GET("/{path...}", apis.Static(ui, true)).BindFunc(func(e *core.RequestEvent) error {
		path := e.Request.PathValue(apis.StaticWildcardParam)
		if strings.HasPrefix(path, "api/") {
			return e.NotFoundError("No such API route. The REST API is documented at /api/ in the README.", nil)
		}
		if strings.HasPrefix(path, "assets/") {
			// file names carry a content hash: they never change
			e.Response.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			// pages always revalidate, so a new release shows at once; candidate pages are never stored
			e.Response.Header().Set("Cache-Control", "no-cache")
		}
		return e.Next()
	}).Bind(apis.Gzip())
}
