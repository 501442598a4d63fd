package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultsWithNothingSet(t *testing.T) {
	cfg, err := Load(Flags{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.HTTP != "127.0.0.1:8090" || cfg.Server.DataDir != "pb_data" || cfg.HTTPS() {
		t.Fatalf("unexpected defaults: %+v", cfg.Server)
	}
	if cfg.Server.PublicURL != "http://127.0.0.1:8090" {
		t.Fatalf("public url = %q", cfg.Server.PublicURL)
	}
	if cfg.WebRTC.UDPPort != 8090 || !cfg.WebRTC.TCP {
		t.Fatalf("webrtc defaults: %+v", cfg.WebRTC)
	}
	if cfg.TLS.CA != LetsEncrypt {
		t.Fatalf("tls.ca = %q", cfg.TLS.CA)
	}
}

func TestPrecedenceFlagsBeatEnvBeatFile(t *testing.T) {
	file := writeFile(t, "config.yaml", `
server:
  http: 127.0.0.1:7000
  data_dir: /from/file
recording:
  max_sessions: 5
smtp:
  host: mail.example.com
  sender: jobs@example.com
`)
	for _, test := range []struct {
		name     string
		flags    Flags
		env      []string
		wantHTTP string
		wantDir  string
		wantMax  int
	}{
		{"file only", Flags{Config: file}, nil, "127.0.0.1:7000", "/from/file", 5},
		{"env beats file", Flags{Config: file}, []string{"TAKEONE_SERVER_HTTP=127.0.0.1:7001", "TAKEONE_RECORDING_MAX_SESSIONS=7"}, "127.0.0.1:7001", "/from/file", 7},
		{"flag beats env", Flags{Config: file, HTTP: "127.0.0.1:7002", DataDir: "/from/flag"}, []string{"TAKEONE_SERVER_HTTP=127.0.0.1:7001", "TAKEONE_SERVER_DATA_DIR=/from/env"}, "127.0.0.1:7002", "/from/flag", 5},
		{"env without file", Flags{}, []string{"TAKEONE_SERVER_DATA_DIR=/from/env"}, "127.0.0.1:8090", "/from/env", 100},
		{"unrelated env ignored", Flags{}, []string{"HOME=/root", "PATH=/bin"}, "127.0.0.1:8090", "pb_data", 100},
	} {
		t.Run(test.name, func(t *testing.T) {
			cfg, err := Load(test.flags, test.env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server.HTTP != test.wantHTTP || cfg.Server.DataDir != test.wantDir || cfg.Recording.MaxSessions != test.wantMax {
				t.Fatalf("got http=%s dir=%s max=%d", cfg.Server.HTTP, cfg.Server.DataDir, cfg.Recording.MaxSessions)
			}
		})
	}
}

func TestListsFromFileAndEnv(t *testing.T) {
	file := writeFile(t, "c.yaml", "server:\n  domains: [a.example.com, b.example.com]\nwebrtc:\n  public_ips: [203.0.113.7]\n")
	cfg, err := Load(Flags{Config: file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Server.Domains) != 2 || !cfg.HTTPS() || cfg.ListenPort() != 443 || cfg.WebRTC.UDPPort != 443 {
		t.Fatalf("domains: %+v port %d udp %d", cfg.Server.Domains, cfg.ListenPort(), cfg.WebRTC.UDPPort)
	}
	if cfg.Server.PublicURL != "https://a.example.com" {
		t.Fatalf("public url %q", cfg.Server.PublicURL)
	}
	cfg, err = Load(Flags{}, []string{"TAKEONE_SERVER_DOMAINS=x.example.com,y.example.com", "TAKEONE_WEBRTC_STUN_SERVERS=stun:stun.example.com:3478"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Server.Domains, " ") != "x.example.com y.example.com" || len(cfg.WebRTC.STUNServers) != 1 {
		t.Fatalf("env lists: %+v %+v", cfg.Server.Domains, cfg.WebRTC.STUNServers)
	}
}

func TestBadInputStopsWithAMessageNamingKeyAndSource(t *testing.T) {
	existing := writeFile(t, "cert.pem", "x")
	for _, test := range []struct {
		name  string
		file  string // YAML; "" means no file
		env   []string
		flags Flags
		want  []string // every fragment must be in the error
	}{
		{"unknown key", "server:\n  htp: 1\n", nil, Flags{}, []string{"unknown key \"server.htp\"", "did you mean \"server.http\"", "config.yaml"}},
		{"unknown section", "storage:\n  bucket: x\n", nil, Flags{}, []string{"unknown key \"storage.bucket\""}},
		{"not yaml", "server: [\n", nil, Flags{}, []string{"not valid YAML", "config.yaml"}},
		{"unknown env", "", []string{"TAKEONE_SERVER_PORT=1"}, Flags{}, []string{"TAKEONE_SERVER_PORT", "not a Takeone setting"}},
		{"not a number", "recording:\n  max_sessions: many\n", nil, Flags{}, []string{"config.yaml, key recording.max_sessions", "whole number"}},
		{"not a bool from env", "", []string{"TAKEONE_WEBRTC_TCP=perhaps"}, Flags{}, []string{"TAKEONE_WEBRTC_TCP", "true or false"}},
		{"bad listen address", "server:\n  http: localhost\n", nil, Flags{}, []string{"server.http", "HOST:PORT"}},
		{"bad port from flag", "", nil, Flags{HTTP: "127.0.0.1:99999"}, []string{"flag --http", "no valid port"}},
		{"domain with scheme", "server:\n  domains: [https://x.example.com]\n", nil, Flags{}, []string{"server.domains", "bare"}},
		{"public url without scheme", "server:\n  public_url: example.com\n", nil, Flags{}, []string{"server.public_url"}},
		{"empty data dir", "", nil, Flags{DataDir: " "}, []string{"flag --dir", "must not be empty"}},
		{"plain http CA", "tls:\n  ca: http://ca.example.com/dir\n", nil, Flags{}, []string{"tls.ca", "https URL"}},
		{"missing ca root", "tls:\n  ca_root: /nonexistent/root.pem\n", nil, Flags{}, []string{"tls.ca_root", "/nonexistent/root.pem", "no such file"}},
		{"missing cert file", "server:\n  domains: [x.example.com]\ntls:\n  cert_file: /nonexistent/cert.pem\n  key_file: " + existing + "\n", nil, Flags{}, []string{"tls.cert_file", "/nonexistent/cert.pem"}},
		{"cert without key", "server:\n  domains: [x.example.com]\ntls:\n  cert_file: " + existing + "\n", nil, Flags{}, []string{"set both or neither"}},
		{"cert without domains", "tls:\n  cert_file: " + existing + "\n  key_file: " + existing + "\n", nil, Flags{}, []string{"server.domains"}},
		{"bad email", "tls:\n  email: nobody\n", nil, Flags{}, []string{"tls.email"}},
		{"udp port range", "webrtc:\n  udp_port: 70000\n", nil, Flags{}, []string{"webrtc.udp_port"}},
		{"bad public ip", "webrtc:\n  public_ips: [my-vps]\n", nil, Flags{}, []string{"webrtc.public_ips", "my-vps"}},
		{"bad stun", "webrtc:\n  stun_servers: [stun.example.com]\n", nil, Flags{}, []string{"webrtc.stun_servers"}},
		{"answer cap too low", "recording:\n  max_answer_seconds: 0\n", nil, Flags{}, []string{"recording.max_answer_seconds"}},
		{"no sessions", "", []string{"TAKEONE_RECORDING_MAX_SESSIONS=0"}, Flags{}, []string{"TAKEONE_RECORDING_MAX_SESSIONS", "at least 1"}},
		{"smtp without sender", "smtp:\n  host: mail.example.com\n", nil, Flags{}, []string{"smtp.sender"}},
		{"smtp port", "smtp:\n  port: -1\n", nil, Flags{}, []string{"smtp.port"}},
		{"negative retention", "retention:\n  days: -3\n", nil, Flags{}, []string{"retention.days", "negative"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			flags := test.flags
			if test.file != "" {
				flags.Config = writeFile(t, "config.yaml", test.file)
			}
			_, err := Load(flags, test.env)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, want := range test.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := Load(Flags{Config: "/nonexistent/takeone.yaml"}, nil)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/takeone.yaml") {
		t.Fatalf("got %v", err)
	}
}

func TestParseFlagsIgnoresOtherFlags(t *testing.T) {
	f := ParseFlags([]string{"serve", "--dev", "--config=/etc/t.yaml", "--dir", "/data", "--http", "0.0.0.0:80", "--origins", "x"})
	if f != (Flags{Config: "/etc/t.yaml", DataDir: "/data", HTTP: "0.0.0.0:80"}) {
		t.Fatalf("got %+v", f)
	}
}

// The example config documents every key with its default: loading it must give exactly the defaults.
func TestExampleConfigDocumentsEveryKeyWithItsDefault(t *testing.T) {
	example := filepath.Join("..", "..", "config.example.yaml")
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(Flags{Config: example}, nil)
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	want, _ := Load(Flags{}, nil)
	got.File = ""
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", *want) { // nil and empty lists are the same setting
		t.Fatalf("example values differ from the defaults:\n got %+v\nwant %+v", *got, *want)
	}
	for _, key := range knownKeys(reflect.TypeOf(Config{}), "") {
		_, name, _ := strings.Cut(key, ".")
		if !regexp.MustCompile(`(?m)^\s+` + name + `:`).Match(data) {
			t.Errorf("config.example.yaml does not set %s", key)
		}
	}
}
