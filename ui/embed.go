//go:build !no_ui

// Package ui holds the web UI of Takeone: a Svelte single-page app whose
// production build (dist/, committed to the repository) is embedded into the
// server binary, so that one file serves both the API and the pages.
//
// Rebuild dist/ with `npm ci && npm run build` in this folder after changing
// the sources. Build with `-tags no_ui` to leave the UI out (DistFS then
// returns nil).
package ui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// DistFS returns the built UI, rooted at dist/: index.html, favicon.svg and
// the content-hashed files under assets/.
func DistFS() fs.FS {
	sub, _ := fs.Sub(dist, "dist") // fails only for an invalid path, and "dist" is valid
	return sub
}
