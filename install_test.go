package main

// Tests of install.sh. Every run uses --root with a throwaway system tree, so
// nothing on the machine running the tests is changed; they need root for the
// ownership checks (CI runs as root) and the tools named in instRequireTool.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	instBinPath    = "usr/local/bin/takeone"
	instUnitPath   = "etc/systemd/system/takeone.service"
	instWantsPath  = "etc/systemd/system/multi-user.target.wants/takeone.service"
	instSysctlPath = "etc/sysctl.d/60-takeone.conf"
	instConfDir    = "etc/takeone"
	instConfPath   = "etc/takeone/config.yaml"
	instDataDir    = "var/lib/takeone"
	instBadSHA256  = "0000000000000000000000000000000000000000000000000000000000000000"
	instFakeFormat = "#!/bin/sh\n# fake takeone for the installer tests (%s)\n" +
		"if [ \"$1\" = version ]; then echo \"takeone test\"; exit 0; fi\n" +
		"echo \"fake takeone: only 'version' works\" >&2\nexit 1\n"
)

// The system tree every test starts from: a few system accounts, so that
// the new user has to find a free id and must leave these lines alone.
var instBaseEtc = map[string]struct {
	mode os.FileMode
	text string
}{
	"passwd": {0o644, "root:x:0:0:root:/root:/bin/bash\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
		"systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"},
	"group": {0o644, "root:x:0:\ndaemon:x:1:\nsystemd-network:x:998:\nnogroup:x:65534:\n"},
	"shadow": {0o640, "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n" +
		"systemd-network:!*:19000::::::\nnobody:*:19000:0:99999:7:::\n"},
	"gshadow": {0o640, "root:*::\ndaemon:*::\nsystemd-network:!*::\nnogroup:*::\n"},
}

// The unit lines the brief asks for, each as a whole line.
var instWantUnitLines = []string{
	"ExecStart=/usr/local/bin/takeone serve --config /etc/takeone/config.yaml",
	"User=takeone", "Group=takeone", "StateDirectory=takeone", "WorkingDirectory=/var/lib/takeone",
	"AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
	"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
	"ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectControlGroups=yes", "RestrictSUIDSGID=yes",
	"LockPersonality=yes", "RestrictNamespaces=yes", "LimitNOFILE=65536", "Restart=on-failure", "RestartSec=5",
	"After=network-online.target", "Wants=network-online.target", "WantedBy=multi-user.target",
	"ReadWritePaths=/var/lib/takeone", "TimeoutStopSec=30",
}

func instRequireTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is needed by this test and is not installed: apt-get install %s", name, pkg)
	}
}

func instScriptPath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("install.sh")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// instNewRoot makes a system tree for --root, with a space in its path to catch
// missing quotes.
func instNewRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root dir")
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, f := range instBaseEtc {
		p := filepath.Join(root, "etc", name)
		if err := os.WriteFile(p, []byte(f.text), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// instFakeBinary writes a script that answers `version` with "takeone test";
// tag makes the bytes differ between "releases".
func instFakeBinary(t *testing.T, tag string) (path string, content []byte) {
	t.Helper()
	content = []byte(fmt.Sprintf(instFakeFormat, tag))
	path = filepath.Join(t.TempDir(), "takeone")
	if err := os.WriteFile(path, content, 0o755); err != nil {
		t.Fatal(err)
	}
	return path, content
}

func instSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// instPathWithout returns a PATH holding every command of the current PATH except
// the named ones, to drive the installer's fallbacks (no useradd, no
// systemctl, no curl).
func instPathWithout(t *testing.T, names ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bin")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			n := e.Name()
			if seen[n] || slices.Contains(names, n) {
				continue
			}
			seen[n] = true
			if err := os.Symlink(filepath.Join(d, n), filepath.Join(dir, n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

type instResult struct {
	out  string
	code int
}

// run runs install.sh with a clean environment (no proxies, a private TMPDIR)
// plus env, which wins over it.
func instRun(t *testing.T, env []string, args ...string) instResult {
	t.Helper()
	return instRunAs(t, nil, instScriptPath(t), env, args...)
}

func instRunAs(t *testing.T, cred *syscall.Credential, script string, env []string, args ...string) instResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{script}, args...)...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(strings.ToLower(k), "_proxy") || k == "TMPDIR" {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C", "TMPDIR="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running install.sh: %v\n%s", err, out)
		}
		code = exitErr.ExitCode()
	}
	return instResult{string(out), code}
}

func instMustSucceed(t *testing.T, r instResult) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("install.sh exited %d:\n%s", r.code, r.out)
	}
}

// instSnapshot describes every file under dir (mode, owner, bytes or link target),
// to prove that a run wrote nothing.
func instSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v %d:%d", info.Mode(), st.Uid, st.Gid)
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case info.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			desc += " " + string(b)
		}
		rel, _ := filepath.Rel(dir, p)
		m[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func instAssertUnchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := instSnapshot(t, dir)
	for p, d := range after {
		if before[p] != d {
			t.Errorf("%s was written: %q", p, d)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s was removed", p)
		}
	}
}

// entry returns the fields of name's line in root/etc/file, or nil.
func instEntry(t *testing.T, root, file, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "etc", file))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if f[0] == name {
			if found != nil {
				t.Errorf("%s has two lines for %s", file, name)
			}
			found = f
		}
	}
	return found
}

type instAccount struct{ uid, gid int }

// instCheckAccount checks the takeone system user and group, and that the
// accounts that were there before are untouched.
func instCheckAccount(t *testing.T, root string) instAccount {
	t.Helper()
	pw := instEntry(t, root, "passwd", "takeone")
	if len(pw) != 7 {
		t.Fatalf("passwd entry for takeone: %q, want 7 fields", pw)
	}
	uid, err1 := strconv.Atoi(pw[2])
	gid, err2 := strconv.Atoi(pw[3])
	if err1 != nil || err2 != nil || uid < 100 || uid > 999 {
		t.Errorf("passwd entry %q: want a system uid (100-999)", pw)
	}
	if pw[5] != "/var/lib/takeone" || !strings.HasSuffix(pw[6], "/nologin") {
		t.Errorf("passwd entry %q: want home /var/lib/takeone and a nologin shell", pw)
	}
	gr := instEntry(t, root, "group", "takeone")
	if len(gr) != 4 || gr[2] != pw[3] {
		t.Errorf("group entry %q: want 4 fields and gid %s", gr, pw[3])
	}
	if sh := instEntry(t, root, "shadow", "takeone"); len(sh) != 9 || !strings.HasPrefix(sh[1], "!") {
		t.Errorf("shadow entry %q: want 9 fields and a locked password", sh)
	}
	if gs := instEntry(t, root, "gshadow", "takeone"); len(gs) != 4 {
		t.Errorf("gshadow entry %q: want 4 fields", gs)
	}
	for name, f := range instBaseEtc {
		b, err := os.ReadFile(filepath.Join(root, "etc", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), f.text) {
			t.Errorf("etc/%s: the existing accounts changed:\n%s", name, b)
		}
		info, err := os.Stat(filepath.Join(root, "etc", name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != f.mode {
			t.Errorf("etc/%s: mode changed to %v", name, info.Mode())
		}
		for _, line := range strings.Split(f.text, "\n") {
			if other := strings.Split(line, ":"); len(other) > 2 && other[2] == pw[2] && name == "passwd" {
				t.Errorf("takeone got uid %s, already used by %s", pw[2], other[0])
			}
		}
	}
	return instAccount{uid, gid}
}

func instCheckMode(t *testing.T, path string, mode os.FileMode, uid, gid int) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != mode {
		t.Errorf("%s: mode %o, want %o", path, info.Mode().Perm(), mode)
	}
	if os.Geteuid() != 0 {
		return // the installer can only set owners as root
	}
	st := info.Sys().(*syscall.Stat_t)
	if int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s: owner %d:%d, want %d:%d", path, st.Uid, st.Gid, uid, gid)
	}
}

// instConfigValues returns the config's lines that are not comments or blank.
func instConfigValues(t *testing.T, root string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, instConfPath))
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, line := range strings.Split(string(b), "\n") {
		if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") {
			values = append(values, line)
		}
	}
	return values
}

// instCheckInstalled checks everything a fresh install writes under root.
func instCheckInstalled(t *testing.T, root string, binary []byte, wantConfig []string) {
	t.Helper()
	acct := instCheckAccount(t, root)

	got, err := os.ReadFile(filepath.Join(root, instBinPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, binary) {
		t.Errorf("installed binary differs from the one given:\n%s", got)
	}
	instCheckMode(t, filepath.Join(root, instBinPath), 0o755, 0, 0)

	unit, err := os.ReadFile(filepath.Join(root, instUnitPath))
	if err != nil {
		t.Fatal(err)
	}
	unitLines := strings.Split(string(unit), "\n")
	for _, want := range instWantUnitLines {
		if !slices.Contains(unitLines, want) {
			t.Errorf("unit file lacks the line %q", want)
		}
	}
	instCheckMode(t, filepath.Join(root, instUnitPath), 0o644, 0, 0)
	if sysctl, err := os.ReadFile(filepath.Join(root, instSysctlPath)); err != nil || !strings.Contains(string(sysctl), "net.core.rmem_max = 4194304") {
		t.Errorf("%s: %q, %v", instSysctlPath, sysctl, err)
	}
	if target, err := os.Readlink(filepath.Join(root, instWantsPath)); err != nil || target != "/etc/systemd/system/takeone.service" {
		t.Errorf("enable symlink %s: %q, %v", instWantsPath, target, err)
	}

	conf, err := os.ReadFile(filepath.Join(root, instConfPath))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "config.example.yaml") {
		t.Errorf("config header does not point to config.example.yaml:\n%s", conf)
	}
	if got := instConfigValues(t, root); !slices.Equal(got, wantConfig) {
		t.Errorf("config values:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantConfig, "\n"))
	}
	instCheckMode(t, filepath.Join(root, instConfPath), 0o640, 0, acct.gid)
	instCheckMode(t, filepath.Join(root, instConfDir), 0o750, 0, acct.gid)
	if info, err := os.Stat(filepath.Join(root, instDataDir)); err != nil || !info.IsDir() {
		t.Fatalf("data dir %s: %v", instDataDir, err)
	}
	instCheckMode(t, filepath.Join(root, instDataDir), 0o750, acct.uid, acct.gid)

	// No temp file of the atomic writes is left behind.
	for p := range instSnapshot(t, root) {
		if base := filepath.Base(p); strings.HasPrefix(base, ".takeone") || strings.HasPrefix(base, ".config.yaml") {
			t.Errorf("temp file left behind: %s", p)
		}
	}

	// systemd itself accepts the unit (the ExecStart binary must exist for
	// the check, so it points at a stand-in).
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		stand := strings.ReplaceAll(string(unit), "/usr/local/bin/takeone", "/bin/true")
		p := filepath.Join(t.TempDir(), "takeone.service")
		if err := os.WriteFile(p, []byte(stand), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(analyze, "verify", p).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	}
}

var (
	instConfigDefault = []string{"server:", `  http: "0.0.0.0:8090"`, `  data_dir: "/var/lib/takeone"`}
	instConfigDomains = []string{"server:", "  domains:", `    - "interviews.example.com"`, `    - "www.example.com"`,
		`  data_dir: "/var/lib/takeone"`, "tls:", `  email: "it@example.com"`}
)

func TestInstallShellcheck(t *testing.T) {
	instRequireTool(t, "shellcheck", "shellcheck")
	out, err := exec.Command("shellcheck", "-s", "sh", instScriptPath(t)).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("shellcheck -s sh install.sh: %v\n%s", err, out)
	}
}

func TestInstallHelp(t *testing.T) {
	r := instRun(t, nil, "--help")
	instMustSucceed(t, r)
	for _, opt := range []string{"Usage:", "--binary", "--url", "--sha256", "--domain", "--email", "--http",
		"--root", "--no-start", "--skip-version-check", "--uninstall", "--purge"} {
		if !strings.Contains(r.out, opt) {
			t.Errorf("--help does not mention %s", opt)
		}
	}
}

func TestInstallFresh(t *testing.T) {
	instRequireTool(t, "useradd", "passwd")
	// Nothing outside --root may change: the host's own files stay as they are.
	hostFiles := []string{"/etc/passwd", "/etc/group", "/usr/local/bin/takeone", "/etc/systemd/system/takeone.service",
		"/etc/takeone", "/var/lib/takeone"}
	hostBefore := map[string]string{}
	for _, p := range hostFiles {
		b, err := os.ReadFile(p)
		hostBefore[p] = fmt.Sprint(string(b), err)
	}

	bin, content := instFakeBinary(t, "v1")
	tests := []struct {
		name       string
		args       []string
		path       string // PATH without some tools; empty: the usual one
		wantConfig []string
		wantOut    []string
	}{
		{
			name:       "domains and email",
			args:       []string{"--domain", "interviews.example.com", "--domain", "WWW.example.com", "--email", "it@example.com"},
			wantConfig: instConfigDomains,
			wantOut:    []string{"80/tcp", "443/tcp", "443/udp", "journalctl -u takeone"},
		},
		{
			name:       "no domain",
			wantConfig: instConfigDefault,
			wantOut:    []string{"8090/tcp", "journalctl -u takeone"},
		},
		{
			name:       "http address",
			args:       []string{"--http=127.0.0.1:9000"},
			wantConfig: []string{"server:", `  http: "127.0.0.1:9000"`, `  data_dir: "/var/lib/takeone"`},
			wantOut:    []string{"127.0.0.1:9000"},
		},
		{
			name:       "binary with matching checksum",
			args:       []string{"--sha256", strings.ToUpper(instSHA256(content))},
			wantConfig: instConfigDefault,
			wantOut:    []string{"Checksum OK"},
		},
		{
			name:       "without useradd and systemctl",
			path:       "useradd,userdel,groupdel,systemctl",
			wantConfig: instConfigDefault,
			wantOut:    []string{"Created system user takeone"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := instNewRoot(t)
			var env []string
			if tt.path != "" {
				env = append(env, "PATH="+instPathWithout(t, strings.Split(tt.path, ",")...))
			}
			r := instRun(t, env, append([]string{"--root", root, "--binary", bin}, tt.args...)...)
			instMustSucceed(t, r)
			instCheckInstalled(t, root, content, tt.wantConfig)
			for _, want := range append(tt.wantOut, "not started") {
				if !strings.Contains(r.out, want) {
					t.Errorf("output lacks %q:\n%s", want, r.out)
				}
			}
		})
	}

	for _, p := range hostFiles {
		b, err := os.ReadFile(p)
		if got := fmt.Sprint(string(b), err); got != hostBefore[p] {
			t.Errorf("the host's %s changed during an install with --root", p)
		}
	}
}

func TestInstallUpgradeKeepsConfig(t *testing.T) {
	for _, tt := range []struct{ name, without string }{
		{"with useradd and systemctl", ""},
		{"without useradd and systemctl", "useradd,userdel,groupdel,systemctl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var env []string
			if tt.without != "" {
				env = append(env, "PATH="+instPathWithout(t, strings.Split(tt.without, ",")...))
			}
			root := instNewRoot(t)
			v1, _ := instFakeBinary(t, "v1")
			v2, v2content := instFakeBinary(t, "v2")
			instMustSucceed(t, instRun(t, env, "--root", root, "--binary", v1))

			edited := []byte("# the operator's own config\nserver:\n  http: \"10.0.0.5:8443\"\n  data_dir: /srv/takeone\n")
			if err := os.WriteFile(filepath.Join(root, instConfPath), edited, 0o640); err != nil {
				t.Fatal(err)
			}
			before := instEntry(t, root, "passwd", "takeone")

			r := instRun(t, env, "--root", root, "--binary", v2, "--domain", "new.example.com")
			instMustSucceed(t, r)
			if got, _ := os.ReadFile(filepath.Join(root, instBinPath)); !bytes.Equal(got, v2content) {
				t.Errorf("binary not upgraded:\n%s", got)
			}
			if got, _ := os.ReadFile(filepath.Join(root, instConfPath)); !bytes.Equal(got, edited) {
				t.Errorf("edited config was changed:\n%s", got)
			}
			if !strings.Contains(r.out, "Upgraded") || !strings.Contains(r.out, "only apply to a new config") {
				t.Errorf("output does not say it upgraded and kept the config:\n%s", r.out)
			}
			if after := instEntry(t, root, "passwd", "takeone"); !slices.Equal(after, before) {
				t.Errorf("user entry changed on re-run: %q -> %q", before, after)
			}
			instCheckAccount(t, root)
			if _, err := os.Lstat(filepath.Join(root, instWantsPath)); err != nil {
				t.Errorf("unit no longer enabled: %v", err)
			}
		})
	}
}

func TestInstallDownload(t *testing.T) {
	instRequireTool(t, "curl", "curl")
	instRequireTool(t, "wget", "wget")
	_, content := instFakeBinary(t, "download")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/takeone-linux-amd64" {
			http.NotFound(w, r)
			return
		}
		w.Write(content)
	}))
	defer srv.Close()
	url := srv.URL + "/takeone-linux-amd64"

	tests := []struct {
		name    string
		url     string
		sha     string
		without string // the download tool taken off PATH
		wantErr string // empty: the install succeeds
	}{
		{name: "curl right checksum", url: url, sha: instSHA256(content)},
		{name: "wget right checksum", url: url, sha: instSHA256(content), without: "curl"},
		{name: "curl wrong checksum", url: url, sha: instBadSHA256, wantErr: "checksum mismatch"},
		{name: "wget wrong checksum", url: url, sha: instBadSHA256, without: "curl", wantErr: "checksum mismatch"},
		{name: "not found", url: srv.URL + "/missing", sha: instSHA256(content), wantErr: "download failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := instNewRoot(t)
			tmp := t.TempDir()
			env := []string{"TMPDIR=" + tmp}
			if tt.without != "" {
				env = append(env, "PATH="+instPathWithout(t, tt.without))
			}
			before := instSnapshot(t, root)
			r := instRun(t, env, "--root", root, "--url", tt.url, "--sha256", tt.sha)
			if tt.wantErr == "" {
				instMustSucceed(t, r)
				instCheckInstalled(t, root, content, instConfigDefault)
			} else {
				if r.code == 0 || !strings.Contains(r.out, tt.wantErr) {
					t.Errorf("want a failure saying %q, got exit %d:\n%s", tt.wantErr, r.code, r.out)
				}
				instAssertUnchanged(t, root, before)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("download temp file left in TMPDIR: %v", left)
			}
		})
	}
}

func TestInstallBadInputs(t *testing.T) {
	bin, content := instFakeBinary(t, "bad inputs")
	missingRoot := filepath.Join(t.TempDir(), "does-not-exist")
	tests := []struct {
		name    string
		args    []string // after --root ROOT, unless noRoot
		noRoot  bool
		wantMsg string
	}{
		{"unknown option", []string{"--binary", bin, "--frobnicate"}, false, "unknown option: --frobnicate"},
		{"positional argument", []string{"--binary", bin, "extra"}, false, "unexpected argument"},
		{"missing value at end", []string{"--binary"}, false, "option --binary needs a value"},
		{"missing value before option", []string{"--domain", "--binary", bin}, false, "option --domain needs a value"},
		{"empty value", []string{"--binary", ""}, false, "option --binary needs a value"},
		{"flag with value", []string{"--binary", bin, "--no-start=yes"}, false, "option --no-start takes no value"},
		{"binary and url", []string{"--binary", bin, "--url", "http://127.0.0.1:1/x", "--sha256", instSHA256(content)}, false, "either --binary or --url"},
		{"neither binary nor url", nil, false, "no binary given"},
		{"binary does not exist", []string{"--binary", bin + ".missing"}, false, "binary not found"},
		{"binary is a directory", []string{"--binary", filepath.Dir(bin)}, false, "not a readable file"},
		{"checksum mismatch", []string{"--binary", bin, "--sha256", instBadSHA256}, false, "checksum mismatch"},
		{"checksum too short", []string{"--binary", bin, "--sha256", "abc123"}, false, "64 hexadecimal characters"},
		{"checksum not hex", []string{"--binary", bin, "--sha256", strings.Repeat("g", 64)}, false, "64 hexadecimal characters"},
		{"url without checksum", []string{"--url", "http://127.0.0.1:1/takeone"}, false, "--url needs --sha256"},
		{"url not http", []string{"--url", "ftp://example.com/takeone", "--sha256", instBadSHA256}, false, "invalid --url"},
		{"domain with scheme", []string{"--binary", bin, "--domain", "https://interviews.example.com"}, false, "invalid domain"},
		{"domain not qualified", []string{"--binary", bin, "--domain", "localhost"}, false, "invalid domain"},
		{"email without domain", []string{"--binary", bin, "--email", "it@example.com"}, false, "--email needs --domain"},
		{"bad email", []string{"--binary", bin, "--domain", "a.example.com", "--email", "it example.com"}, false, "invalid --email"},
		{"http without port", []string{"--binary", bin, "--http", "0.0.0.0"}, false, "invalid --http"},
		{"http port out of range", []string{"--binary", bin, "--http", "0.0.0.0:70000"}, false, "invalid --http"},
		{"http with domain", []string{"--binary", bin, "--http", ":8090", "--domain", "a.example.com"}, false, "--http cannot be combined with --domain"},
		{"purge without uninstall", []string{"--binary", bin, "--purge"}, false, "--purge only works together with --uninstall"},
		{"uninstall with binary", []string{"--uninstall", "--binary", bin}, false, "--uninstall cannot be combined with --binary"},
		{"root does not exist", []string{"--root", missingRoot, "--binary", bin}, true, "--root directory not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := instNewRoot(t)
			before := instSnapshot(t, root)
			args := tt.args
			if !tt.noRoot {
				args = append([]string{"--root", root}, args...)
			}
			r := instRun(t, nil, args...)
			if r.code == 0 {
				t.Errorf("exit 0, want a failure:\n%s", r.out)
			}
			if !strings.Contains(r.out, tt.wantMsg) {
				t.Errorf("output lacks %q:\n%s", tt.wantMsg, r.out)
			}
			instAssertUnchanged(t, root, before)
			if _, err := os.Stat(missingRoot); err == nil {
				t.Errorf("%s was created", missingRoot)
			}
		})
	}
}

// A binary that does not run here is not installed, unless the operator says
// it is for another machine.
func TestInstallVersionCheck(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "takeone")
	content := []byte("#!/bin/sh\necho 'exec format error' >&2\nexit 126\n")
	if err := os.WriteFile(broken, content, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Run("refused", func(t *testing.T) {
		root := instNewRoot(t)
		r := instRun(t, nil, "--root", root, "--binary", broken)
		if r.code == 0 || !strings.Contains(r.out, "takeone version' failed") || !strings.Contains(r.out, "--skip-version-check") {
			t.Errorf("want a failure naming the version check and --skip-version-check, got exit %d:\n%s", r.code, r.out)
		}
		for p := range instSnapshot(t, root) {
			if strings.HasPrefix(p, "usr/local/bin/") || strings.HasPrefix(p, "etc/takeone") || strings.HasPrefix(p, "etc/systemd") {
				t.Errorf("written although the binary was refused: %s", p)
			}
		}
		if instEntry(t, root, "passwd", "takeone") != nil {
			t.Error("user created although the binary was refused")
		}
	})
	t.Run("skipped", func(t *testing.T) {
		root := instNewRoot(t)
		instMustSucceed(t, instRun(t, nil, "--root", root, "--binary", broken, "--skip-version-check"))
		instCheckInstalled(t, root, content, instConfigDefault)
	})
}

func TestInstallUninstall(t *testing.T) {
	tests := []struct {
		name    string
		purge   bool
		path    string
		wantOut string
	}{
		{name: "keep data", wantOut: "Kept /var/lib/takeone"},
		{name: "purge", purge: true, wantOut: "Deleted /var/lib/takeone"},
		{name: "purge without userdel and systemctl", purge: true, path: "useradd,userdel,groupdel,systemctl", wantOut: "Deleted /var/lib/takeone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var env []string
			if tt.path != "" {
				env = append(env, "PATH="+instPathWithout(t, strings.Split(tt.path, ",")...))
			}
			root := instNewRoot(t)
			bin, _ := instFakeBinary(t, "v1")
			instMustSucceed(t, instRun(t, env, "--root", root, "--binary", bin))
			recording := filepath.Join(root, instDataDir, "recording.webm")
			if err := os.WriteFile(recording, []byte("answer"), 0o640); err != nil {
				t.Fatal(err)
			}
			config, _ := os.ReadFile(filepath.Join(root, instConfPath))

			args := []string{"--root", root, "--uninstall"}
			if tt.purge {
				args = append(args, "--purge")
			}
			r := instRun(t, env, args...)
			instMustSucceed(t, r)
			if !strings.Contains(r.out, tt.wantOut) {
				t.Errorf("output lacks %q:\n%s", tt.wantOut, r.out)
			}
			for _, p := range []string{instBinPath, instUnitPath, instWantsPath, instSysctlPath} {
				if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
					t.Errorf("%s still there after --uninstall", p)
				}
			}
			if tt.purge {
				for _, p := range []string{instDataDir, instConfDir} {
					if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
						t.Errorf("%s still there after --purge", p)
					}
				}
				for _, f := range []string{"passwd", "group", "shadow", "gshadow"} {
					b, _ := os.ReadFile(filepath.Join(root, "etc", f))
					if string(b) != instBaseEtc[f].text {
						t.Errorf("etc/%s after --purge:\n%s\nwant the original:\n%s", f, b, instBaseEtc[f].text)
					}
				}
			} else {
				if got, err := os.ReadFile(recording); err != nil || string(got) != "answer" {
					t.Errorf("recording lost: %v", err)
				}
				if got, _ := os.ReadFile(filepath.Join(root, instConfPath)); !bytes.Equal(got, config) {
					t.Error("config changed by --uninstall")
				}
				instCheckAccount(t, root)
			}

			// Uninstalling again is harmless.
			instMustSucceed(t, instRun(t, env, args...))
		})
	}
}

// Without --root the installer changes the host, so it refuses anyone but
// root before touching anything.
func TestInstallRefusesNonRoot(t *testing.T) {
	// A copy of the script that any user can read.
	dir, err := os.MkdirTemp("", "takeone-install-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	script := filepath.Join(dir, "install.sh")
	src, err := os.ReadFile(instScriptPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534} // nobody
	}
	r := instRunAs(t, cred, script, []string{"TMPDIR=" + dir}, "--url", "http://127.0.0.1:1/takeone", "--sha256", instBadSHA256)
	if r.code == 0 || !strings.Contains(r.out, "must run as root") || !strings.Contains(r.out, "sudo") {
		t.Errorf("want a refusal that says to run as root, got exit %d:\n%s", r.code, r.out)
	}
}
