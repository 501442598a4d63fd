package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildTakeone builds the takeone binary into a fresh temp dir, for tests that run it as a process. remove deletes
// the dir.
func BuildTakeone() (binary string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "takeone-bin-*")
	if err != nil {
		return "", nil, err
	}
	binary = filepath.Join(dir, "takeone")
	build := exec.Command("go", "build", "-o", binary, "github.com/takeone/takeone")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("cannot build takeone: %w\n%s", err, out)
	}
	return binary, func() { os.RemoveAll(dir) }, nil
}

// MainWithTakeone is the TestMain of packages that run the takeone binary: it builds it into *binary, runs the
// tests and removes it. A failed build fails every test of the package.
func MainWithTakeone(m *testing.M, binary *string) {
	bin, remove, err := BuildTakeone()
	if err != nil {
		panic(err)
	}
	*binary = bin
	code := m.Run()
	remove()
	os.Exit(code)
}
