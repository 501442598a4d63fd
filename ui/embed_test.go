//go:build !no_ui

package ui

import (
	"io/fs"
	"regexp"
	"testing"
)

// The committed build must be complete: index.html exists and every file it
// links to is embedded too.
func TestDistFSServesBuiltApp(t *testing.T) {
	dist := DistFS()
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatalf("index.html missing from the embedded UI: %v", err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/([^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) == 0 {
		t.Fatal("index.html links to no script or stylesheet")
	}
	for _, ref := range refs {
		if _, err := fs.Stat(dist, ref[1]); err != nil {
			t.Errorf("index.html links to /%s, which is not embedded: %v", ref[1], err)
		}
	}
}
