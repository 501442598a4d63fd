// Package mail sends Takeone's emails through PocketBase's mail settings (seeded from the smtp.* config keys).
// Each email is plain text, with an HTML part made from the same text, so it reads well in every client.
package mail

import (
	"errors"
	"fmt"
	"html"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"
)

// ErrNoSMTP is returned when no SMTP server is configured: Takeone then sends nothing (PocketBase would otherwise
// fall back to the machine's sendmail, which an appliance must not rely on).
var ErrNoSMTP = errors.New("no SMTP server is configured (set smtp.host)")

// Message is one email to one or more people.
type Message struct {
	To      []mail.Address
	Subject string
	Text    string // paragraphs separated by blank lines; links on lines of their own
}

// Configured says whether an SMTP server is set up: without one, Send sends nothing.
func Configured(app core.App) bool {
	s := app.Settings().SMTP
	return s.Enabled && s.Host != ""
}

// Send delivers m now.
func Send(app core.App, m Message) error {
	if !Configured(app) {
		return ErrNoSMTP
	}
	s := app.Settings()
	if len(m.To) == 0 {
		return errors.New("an email needs a recipient")
	}
	err := app.NewMailClient().Send(&mailer.Message{
		From:    mail.Address{Name: s.Meta.SenderName, Address: s.Meta.SenderAddress},
		To:      m.To,
		Subject: m.Subject,
		Text:    m.Text,
		HTML:    toHTML(m.Text),
	})
	if err != nil {
		return fmt.Errorf("send %q: %w", m.Subject, err)
	}
	return nil
}

// toHTML turns the text into escaped paragraphs; lines that are links become links.
func toHTML(text string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">")
	for para := range strings.SplitSeq(strings.TrimSpace(text), "\n\n") {
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>")
			}
			esc := html.EscapeString(line)
			if strings.HasPrefix(line, "https://") || strings.HasPrefix(line, "http://") {
				esc = `<a href="` + esc + `">` + esc + `</a>`
			}
			b.WriteString(esc)
		}
		b.WriteString("</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

// Outbox sends emails in the background, a few at a time (a CSV import can queue thousands), so nobody waits for
// a slow mail server, and lets the app stop only after what is queued went out (at most stopWait).
type Outbox struct {
	mu      sync.Mutex
	queue   []func()
	workers int
	closed  bool
	wg      sync.WaitGroup // one per running worker
}

const maxSendWorkers = 4 // connections to the mail server at once

// How long a stop waits for the queue, then for the emails still being sent once the rest is dropped. Variables
// for the tests.
var (
	stopWait     = 30 * time.Second
	inFlightWait = 10 * time.Second
)

// NewOutbox makes the app's outbox; it closes when the app terminates.
func NewOutbox(app core.App) *Outbox {
	o := &Outbox{}
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		o.mu.Lock()
		o.closed = true
		o.mu.Unlock()
		done := make(chan struct{})
		go func() { o.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(stopWait):
			// drop what has not started, so no send begins on an app that is closing its database
			o.mu.Lock()
			left := len(o.queue)
			o.queue = nil
			o.mu.Unlock()
			e.App.Logger().Warn("emails still queued at shutdown were abandoned", "count", left)
			select {
			case <-done:
			case <-time.After(inFlightWait):
			}
		}
		return e.Next()
	})
	return o
}

// Go queues send, unless the app is stopping.
func (o *Outbox) Go(send func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	o.queue = append(o.queue, send)
	if o.workers < maxSendWorkers {
		o.workers++
		o.wg.Add(1)
		go o.work()
	}
}

// work sends queued emails until the queue is empty.
func (o *Outbox) work() {
	defer o.wg.Done()
	for {
		o.mu.Lock()
		if len(o.queue) == 0 {
			o.workers--
			o.mu.Unlock()
			return
		}
		send := o.queue[0]
		o.queue[0] = nil
		o.queue = o.queue[1:]
		o.mu.Unlock()
		send()
	}
}
