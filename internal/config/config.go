// Package config loads Takeone's configuration from a YAML file, TAKEONE_* environment variables and command-line
// flags (flags beat environment, environment beats file), and validates it before anything starts.
package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix starts every environment variable Takeone reads, e.g. TAKEONE_SERVER_HTTP.
const EnvPrefix = "TAKEONE_"

// Config is the whole configuration. Each section mirrors a section of config.example.yaml.
type Config struct {
	Server    Server    `mapstructure:"server"`
	TLS       TLS       `mapstructure:"tls"`
	WebRTC    WebRTC    `mapstructure:"webrtc"`
	Recording Recording `mapstructure:"recording"`
	SMTP      SMTP      `mapstructure:"smtp"`
	Retention Retention `mapstructure:"retention"`

	// File is the config file that was read, or "" when none was.
	File string `mapstructure:"-"`
}

// Server is where Takeone listens and keeps its data.
type Server struct {
	HTTP      string   `mapstructure:"http"`
	Domains   []string `mapstructure:"domains"`
	PublicURL string   `mapstructure:"public_url"`
	DataDir   string   `mapstructure:"data_dir"`
}

// TLS says where certificates come from when server.domains is set.
type TLS struct {
	Email    string `mapstructure:"email"`
	CA       string `mapstructure:"ca"`
	CARoot   string `mapstructure:"ca_root"`
	CertFile string `mapstructure:"cert_file"`
	KeyFile  string `mapstructure:"key_file"`
}

// WebRTC shapes how candidates' browsers reach the recorder.
type WebRTC struct {
	UDPPort     int      `mapstructure:"udp_port"`
	TCP         bool     `mapstructure:"tcp"`
	PublicIPs   []string `mapstructure:"public_ips"`
	STUNServers []string `mapstructure:"stun_servers"`
}

// Recording holds the server's limits on takes.
type Recording struct {
	MaxAnswerSeconds int `mapstructure:"max_answer_seconds"`
	MaxSessions      int `mapstructure:"max_sessions"`
}

// SMTP seeds PocketBase's mail settings at every start.
type SMTP struct {
	Host     string `mapstructure:"host"`
	Port     int    `mapstructure:"port"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	Sender   string `mapstructure:"sender"`
}

// Retention says how long candidate data is kept.
type Retention struct {
	Days int `mapstructure:"days"`
}

// LetsEncrypt is the default ACME directory.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// Default is the configuration Takeone runs with when nothing is set: plain HTTP on loopback, data in ./pb_data.
func Default() Config {
	return Config{
		Server:    Server{HTTP: "127.0.0.1:8090", DataDir: "pb_data"},
		TLS:       TLS{CA: LetsEncrypt},
		WebRTC:    WebRTC{TCP: true},
		Recording: Recording{MaxAnswerSeconds: 600, MaxSessions: 100},
		SMTP:      SMTP{Port: 587},
		Retention: Retention{Days: 365},
	}
}

// Flags are the command-line flags that override the file and the environment. Empty means not given.
type Flags struct {
	Config  string
	DataDir string
	HTTP    string
}

// ParseFlags picks Takeone's flags out of a command line and ignores every other flag (PocketBase has its own).
//
// Example:
//
//	flags := config.ParseFlags(os.Args[1:]) // serve --config /etc/takeone/config.yaml --dev
func ParseFlags(args []string) Flags {
	var f Flags
	fs := pflag.NewFlagSet("takeone", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.SetOutput(nopWriter{})
	fs.StringVar(&f.Config, "config", "", "")
	fs.StringVar(&f.DataDir, "dir", "", "")
	fs.StringVar(&f.HTTP, "http", "", "")
	_ = fs.Parse(args) // a malformed flag is reported by the command itself
	return f
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// Load builds the configuration from defaults, the file named by flags.Config, the environment (a list of
// KEY=VALUE as os.Environ returns) and the flags, then validates it. Errors name the key and where it came from.
func Load(flags Flags, environ []string) (*Config, error) {
	l := &loader{v: viper.New(), flags: flags, env: map[string]string{}}
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			l.env[k] = val
		}
	}
	return l.load()
}

type loader struct {
	v     *viper.Viper
	flags Flags
	env   map[string]string
}

func (l *loader) load() (*Config, error) {
	cfg := Default()
	keys := knownKeys(reflect.TypeOf(cfg), "")
	defaults := map[string]any{}
	flatten(reflect.ValueOf(cfg), "", defaults)
	for k, val := range defaults {
		l.v.SetDefault(k, val)
	}

	if l.flags.Config != "" {
		cfg.File = l.flags.Config
		if err := l.readFile(keys); err != nil {
			return nil, err
		}
	}

	for name, val := range l.env {
		key := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
		k, ok := envKey(key, keys)
		if !ok {
			return nil, fmt.Errorf("environment variable %s is not a Takeone setting; known ones are %s", name, envNames(keys))
		}
		l.v.Set(k, val)
	}
	if l.flags.DataDir != "" {
		l.v.Set("server.data_dir", l.flags.DataDir)
	}
	if l.flags.HTTP != "" {
		l.v.Set("server.http", l.flags.HTTP)
	}

	// decode key by key so that an error names the exact setting and its source
	for _, key := range keys {
		if err := l.decode(key, &cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.validate(l.source); err != nil {
		return nil, err
	}
	cfg.applyDerived()
	return &cfg, nil
}

func (l *loader) readFile(keys []string) error {
	name := l.flags.Config
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("cannot read config file %s: %w (check the path given to --config)", name, err)
	}
	file := viper.New()
	file.SetConfigType("yaml")
	if err := file.ReadConfig(strings.NewReader(string(data))); err != nil {
		return fmt.Errorf("config file %s is not valid YAML: %w", name, err)
	}
	for _, key := range file.AllKeys() {
		if !slices.Contains(keys, key) {
			return fmt.Errorf("config file %s: unknown key %q%s; config.example.yaml lists every key", name, key, suggest(key, keys))
		}
		l.v.Set(key, file.Get(key))
	}
	return nil
}

// source says where a key's value came from, for error messages.
func (l *loader) source(key string) string {
	switch {
	case key == "server.data_dir" && l.flags.DataDir != "":
		return "flag --dir"
	case key == "server.http" && l.flags.HTTP != "":
		return "flag --http"
	}
	env := EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
	if _, ok := l.env[env]; ok {
		return "environment variable " + env
	}
	if l.flags.Config != "" {
		return "config file " + l.flags.Config + ", key " + key
	}
	return "default of " + key
}

func (l *loader) decode(key string, cfg *Config) error {
	field := fieldByKey(reflect.ValueOf(cfg).Elem(), key)
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           field.Addr().Interface(),
		WeaklyTypedInput: true,
		DecodeHook:       mapstructure.StringToSliceHookFunc(","),
	})
	if err != nil {
		return err
	}
	raw := l.v.Get(key)
	if s, ok := raw.(string); ok && field.Kind() == reflect.Slice {
		raw = strings.TrimSpace(s)
		if raw == "" {
			raw = []string{}
		}
	}
	if err := dec.Decode(raw); err != nil {
		return fmt.Errorf("%s: cannot use %v as %s", l.source(key), raw, kindName(field))
	}
	return nil
}

func kindName(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	default:
		return v.Kind().String()
	}
}

// applyDerived fills what follows from other settings.
func (c *Config) applyDerived() {
	if c.Server.PublicURL == "" {
		if len(c.Server.Domains) > 0 {
			c.Server.PublicURL = "https://" + c.Server.Domains[0]
		} else {
			host, port, _ := net.SplitHostPort(c.Server.HTTP)
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "127.0.0.1"
			}
			c.Server.PublicURL = "http://" + net.JoinHostPort(host, port)
		}
	}
	c.Server.PublicURL = strings.TrimRight(c.Server.PublicURL, "/")
	if c.WebRTC.UDPPort == 0 {
		c.WebRTC.UDPPort = c.ListenPort()
	}
}

// HTTPS reports whether Takeone serves HTTPS on :443 (and HTTP-01 plus a redirect on :80).
func (c *Config) HTTPS() bool { return len(c.Server.Domains) > 0 }

// ListenPort is the TCP port the web server listens on: 443 with domains, else server.http's port.
func (c *Config) ListenPort() int {
	if c.HTTPS() {
		return 443
	}
	_, port, _ := net.SplitHostPort(c.Server.HTTP)
	p, _ := strconv.Atoi(port)
	return p
}

// MaxAnswer is recording.max_answer_seconds as a duration.
func (c *Config) MaxAnswer() time.Duration {
	return time.Duration(c.Recording.MaxAnswerSeconds) * time.Second
}

func (c *Config) validate(source func(string) string) error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%s: %s", source(key), fmt.Sprintf(format, args...))
	}
	if err := validAddr(c.Server.HTTP); err != nil {
		return bad("server.http", "%v (expected HOST:PORT, e.g. 127.0.0.1:8090 or 0.0.0.0:8090)", err)
	}
	for _, d := range c.Server.Domains {
		if !validDomain(d) {
			return bad("server.domains", "%q is not a domain name (write it bare, e.g. interviews.example.com: no scheme, port or path)", d)
		}
	}
	if c.Server.PublicURL != "" {
		if u, err := url.Parse(c.Server.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return bad("server.public_url", "%q is not an http(s) URL (e.g. https://interviews.example.com)", c.Server.PublicURL)
		}
	}
	if strings.TrimSpace(c.Server.DataDir) == "" {
		return bad("server.data_dir", "must not be empty")
	}

	if c.TLS.Email != "" {
		if _, err := mail.ParseAddress(c.TLS.Email); err != nil {
			return bad("tls.email", "%q is not an email address", c.TLS.Email)
		}
	}
	if u, err := url.Parse(c.TLS.CA); err != nil || u.Scheme != "https" || u.Host == "" {
		return bad("tls.ca", "%q is not an https URL of an ACME directory (default %s)", c.TLS.CA, LetsEncrypt)
	}
	for _, f := range []struct{ key, file string }{{"tls.ca_root", c.TLS.CARoot}, {"tls.cert_file", c.TLS.CertFile}, {"tls.key_file", c.TLS.KeyFile}} {
		key, file := f.key, f.file
		if file == "" {
			continue
		}
		if st, err := os.Stat(file); err != nil {
			return bad(key, "cannot read %s: %v", file, unwrapPathError(err))
		} else if st.IsDir() {
			return bad(key, "%s is a directory; give the PEM file", file)
		}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return bad("tls.cert_file", "tls.cert_file and tls.key_file go together: set both or neither")
	}
	if c.TLS.CertFile != "" && len(c.Server.Domains) == 0 {
		return bad("tls.cert_file", "a certificate needs server.domains (the names it is for), which also turns HTTPS on")
	}

	if c.WebRTC.UDPPort < 0 || c.WebRTC.UDPPort > 65535 {
		return bad("webrtc.udp_port", "%d is not a port (1-65535; 0 means the same number as the web server's port)", c.WebRTC.UDPPort)
	}
	for _, ip := range c.WebRTC.PublicIPs {
		if net.ParseIP(ip) == nil {
			return bad("webrtc.public_ips", "%q is not an IP address", ip)
		}
	}
	for _, s := range c.WebRTC.STUNServers {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "stun" && u.Scheme != "stuns") || u.Opaque == "" {
			return bad("webrtc.stun_servers", "%q is not a STUN URL (e.g. stun:stun.example.com:3478)", s)
		}
	}

	if c.Recording.MaxAnswerSeconds < 10 || c.Recording.MaxAnswerSeconds > 4*3600 {
		return bad("recording.max_answer_seconds", "%d is out of range (10 to 14400 seconds)", c.Recording.MaxAnswerSeconds)
	}
	if c.Recording.MaxSessions < 1 {
		return bad("recording.max_sessions", "%d is out of range (at least 1)", c.Recording.MaxSessions)
	}

	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		return bad("smtp.port", "%d is not a port (1-65535; usually 587 or 465)", c.SMTP.Port)
	}
	if c.SMTP.Sender != "" {
		if _, err := mail.ParseAddress(c.SMTP.Sender); err != nil {
			return bad("smtp.sender", "%q is not an email address (e.g. Hiring Team <jobs@example.com>)", c.SMTP.Sender)
		}
	}
	if c.SMTP.Host != "" && c.SMTP.Sender == "" {
		return bad("smtp.sender", "smtp.host is set, so smtp.sender (the From address of emails) is needed too")
	}

	if c.Retention.Days < 0 {
		return bad("retention.days", "%d is negative (0 keeps candidate data forever)", c.Retention.Days)
	}
	return nil
}

func validAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not an address", addr)
	}
	if host != "" && net.ParseIP(host) == nil && !validDomain(host) {
		return fmt.Errorf("%q has no valid host", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%q has no valid port", addr)
	}
	return nil
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 || strings.ContainsAny(d, ":/ *") || net.ParseIP(d) != nil {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// knownKeys lists every dotted key of the configuration, from the struct tags.
func knownKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		if tag == "" || tag == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, knownKeys(f.Type, prefix+tag+".")...)
		} else {
			keys = append(keys, prefix+tag)
		}
	}
	return keys
}

func flatten(v reflect.Value, prefix string, out map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("mapstructure")
		if tag == "" || tag == "-" {
			continue
		}
		if v.Field(i).Kind() == reflect.Struct {
			flatten(v.Field(i), prefix+tag+".", out)
		} else {
			out[prefix+tag] = v.Field(i).Interface()
		}
	}
}

func fieldByKey(v reflect.Value, key string) reflect.Value {
	for part := range strings.SplitSeq(key, ".") {
		t := v.Type()
		for i := range t.NumField() {
			if t.Field(i).Tag.Get("mapstructure") == part {
				v = v.Field(i)
				break
			}
		}
	}
	return v
}

// envKey maps "server_public_url" to "server.public_url": sections never contain "_", keys may.
func envKey(name string, keys []string) (string, bool) {
	section, rest, ok := strings.Cut(name, "_")
	if !ok {
		return "", false
	}
	key := section + "." + rest
	return key, slices.Contains(keys, key)
}

func envNames(keys []string) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = EnvPrefix + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
	}
	return strings.Join(names, ", ")
}

// suggest proposes the known key closest to a mistyped one.
func suggest(key string, keys []string) string {
	best, bestDist := "", 3
	for _, k := range keys {
		if d := distance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		section, _, _ := strings.Cut(key, ".")
		var inSection []string
		for _, k := range keys {
			if strings.HasPrefix(k, section+".") {
				inSection = append(inSection, strings.TrimPrefix(k, section+"."))
			}
		}
		if len(inSection) > 0 {
			return fmt.Sprintf(" (section %s has: %s)", section, strings.Join(inSection, ", "))
		}
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// DataDirAbs is server.data_dir made absolute, for messages and for the PocketBase data dir.
func (c *Config) DataDirAbs() string {
	abs, err := filepath.Abs(c.Server.DataDir)
	if err != nil {
		return c.Server.DataDir
	}
	return abs
}
