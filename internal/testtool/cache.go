package testtool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// repoRoot is the repository's top folder, found from this file's place in it.
func repoRoot() string {
	_, self, _, _ := runtime.Caller(0) // <root>/internal/testtool/cache.go
	return filepath.Join(filepath.Dir(self), "..", "..")
}

// CacheDir is where tests keep what they build once and reuse across packages and runs: helper servers by
// version, test clips by spec. It is the repository's own .cache folder (ignored by git, removed by `make clean`),
// so a clone needs nothing beside it.
func CacheDir(parts ...string) string {
	return filepath.Join(append([]string{repoRoot(), ".cache"}, parts...)...)
}

// cached returns dir, first filling it with fill unless it exists. Test packages run as parallel processes, so a
// file lock beside dir makes one of them fill it while the others wait; fill writes into a temporary sibling that
// is renamed into place, so a dir that exists is whole, even after a killed run.
func cached(dir string, fill func(tmp string) error) (string, error) {
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close() // and so unlocks
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err == nil {
		return dir, nil // another process filled it while this one waited
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil { // a killed run's leftovers
		return "", err
	}
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return "", err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return dir, nil
}
