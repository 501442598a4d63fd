package testtool

import (
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"
)

// mailpit is the SMTP server the email tests send to, read back through its HTTP API. It is built from the Go
// module proxy, not required by go.mod.
const mailpit = "github.com/axllent/mailpit@v1.33.1"

// Mailbox is a running mailpit on loopback.
type Mailbox struct {
	SMTPPort int
	API      string // base URL of its HTTP API
}

// StartMailbox starts mailpit (built once, see Install) on free loopback ports and stops it when the test ends. extra are more of
// mailpit's flags, e.g. --smtp-allowed-recipients to refuse some addresses.
func StartMailbox(t testing.TB, extra ...string) *Mailbox {
	t.Helper()
	exe := Install(t, mailpit, 5*time.Minute)
	dir := t.TempDir() // its database, this test's alone
	addrs := Serve(t, exe, dir, 2, func(a []string) []string {
		return append([]string{"--smtp", a[0], "--listen", a[1], "--database", filepath.Join(dir, "mailpit.db"),
			"--disable-version-check", "--smtp-disable-rdns", "--quiet"}, extra...)
	})
	_, port, _ := net.SplitHostPort(addrs[0])
	n, _ := strconv.Atoi(port)
	return &Mailbox{SMTPPort: n, API: "http://" + addrs[1] + "/api/v1"}
}

type Address struct {
	Name    string
	Address string
}

// Email is a message as mailpit received it.
type Email struct {
	ID      string
	From    Address
	To      []Address
	Subject string
	Text    string
	HTML    string
}

// Recipients are the To addresses, sorted.
func (e Email) Recipients() []string {
	out := make([]string, 0, len(e.To))
	for _, a := range e.To {
		out = append(out, a.Address)
	}
	slices.Sort(out)
	return out
}

func (m *Mailbox) get(t testing.TB, path string, v any) {
	t.Helper()
	res, err := http.Get(m.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// Await waits until n messages arrived, at most d, and returns them with their bodies.
func (m *Mailbox) Await(t testing.TB, n int, d time.Duration) []Email {
	t.Helper()
	deadline := time.Now().Add(d)
	var list struct {
		Total    int
		Messages []Email
	}
	for {
		m.get(t, "/messages", &list)
		if list.Total >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if list.Total != n {
		t.Fatalf("%d emails arrived, want %d: %+v", list.Total, n, list.Messages)
	}
	out := make([]Email, 0, n)
	for _, e := range list.Messages {
		var full Email
		m.get(t, "/message/"+e.ID, &full)
		out = append(out, full)
	}
	return out
}

// Use points the app's SMTP settings at the mailbox. PocketBase's test app swaps every mail client for its
// recorder; a handler after it puts a real SMTP client with those settings back, so the emails go over SMTP.
func (m *Mailbox) Use(t testing.TB, app core.App) {
	t.Helper()
	settings := app.Settings()
	settings.Meta.SenderName = "Takeone"
	settings.Meta.SenderAddress = "interviews@example.com"
	settings.SMTP.Enabled = true
	settings.SMTP.Host = "127.0.0.1"
	settings.SMTP.Port = m.SMTPPort
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		s := e.App.Settings().SMTP
		e.Mailer = &mailer.SMTPClient{Host: s.Host, Port: s.Port, TLS: s.TLS}
		return e.Next()
	})
}
