//go:build no_ui

package ui

import "io/fs"

// DistFS returns nil: this binary was built without the web UI.
func DistFS() fs.FS { return nil }
