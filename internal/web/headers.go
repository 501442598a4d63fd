// Package web serves the bundled web app and sets the security headers every page carries.
package web

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// ContentSecurityPolicy allows scripts, styles, media and connections from our own origin only: nothing inline, no
// third party. Recordings play from blob: URLs (a candidate's own take) and from our file API.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// PermissionsPolicy lets our own pages, and nothing embedded in them, use the camera and the microphone.
const PermissionsPolicy = "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=(), usb=()"

// HSTS is sent when serving HTTPS: browsers then refuse plain HTTP to this host for a year.
const HSTS = "max-age=31536000"

// BindSecurityHeaders adds the headers to every response. PocketBase's admin at /_/ keeps its own CSP, which needs
// inline styles.
func BindSecurityHeaders(r *router.Router[*core.RequestEvent], https bool) {
	r.BindFunc(func(e *core.RequestEvent) error {
		h := e.Response.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// candidate links carry their token in the path: never leak it to another site
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", PermissionsPolicy)
		if !strings.HasPrefix(e.Request.URL.Path, "/_/") {
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
		}
		if https {
			h.Set("Strict-Transport-Security", HSTS)
		}
		return e.Next()
	})
}
