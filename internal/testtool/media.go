package testtool

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/takeone/takeone/internal/testmedia"
)

// Media returns a folder with the test clips of spec (see package testmedia): camera.y4m and mic.wav for
// Chromium's fake devices, clip.ivf (VP8) and clip.ogg (Opus) for Go WHIP clients. They are made once, on first
// use, into the repository's cache and shared by every test package and run; the folder is keyed by the code
// that makes them, so a change to the pattern makes them anew. Treat the files as read-only. Needs ffmpeg
// (`make deps` installs it).
func Media(spec testmedia.Spec) (string, error) {
	version, err := mediaVersion()
	if err != nil {
		return "", err
	}
	root := CacheDir("media")
	dir, err := cached(filepath.Join(root, version, spec.String()), func(tmp string) error {
		return testmedia.Make(context.Background(), tmp, spec)
	})
	if err != nil {
		return "", fmt.Errorf("make the test clips %s (needs ffmpeg: make deps): %w", spec, err)
	}
	removeOtherVersions(root, version)
	return dir, nil
}

// mediaVersion is a digest of package testmedia's source: clips made by other code are not these clips.
func mediaVersion() (string, error) {
	files, err := filepath.Glob(filepath.Join(repoRoot(), "internal", "testmedia", "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("find package testmedia's source: %v", err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// removeOtherVersions deletes clips that older code made (they are large: a 10 s camera file is 138 MB). A run of
// other code that is still using them at this moment keeps its open files.
func removeOtherVersions(root, keep string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if e.IsDir() && e.Name() != keep {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}
