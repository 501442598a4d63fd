package config

import (
	"os"
	"path/filepath"
	"testing"
)

// Whatever an operator writes, loading either succeeds with a valid config or returns an error: never a panic.
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example), "")
	f.Add("server:\n  domains: example.com\n", "TAKEONE_WEBRTC_UDP_PORT=3478")
	f.Add("recording: [1, 2]\n", "TAKEONE_SERVER_DOMAINS=")
	f.Add("server: {http: {x: 1}}\n", "TAKEONE_SMTP_PORT=0x10")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, yaml, env string) {
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(Flags{Config: path}, []string{env})
		if err == nil && cfg.validate(func(k string) string { return k }) != nil {
			t.Fatalf("Load accepted a config that does not validate: %+v", cfg)
		}
	})
}
