package certs

import (
	"log/slog"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestZapAttrs checks certmagic's fields arrive sorted, with durations as
// text: PocketBase's log store cannot encode a time.Duration and would
// drop the entry.
func TestZapAttrs(t *testing.T) {
	attrs := zapAttrs([]zapcore.Field{
		zap.Duration("remaining", 90*time.Minute),
		zap.String("identifier", "takeone.test"),
	})
	if len(attrs) != 2 || attrs[0].Key != "identifier" || attrs[1].Key != "remaining" {
		t.Fatalf("attrs = %v", attrs)
	}
	if v := attrs[1].Value; v.Kind() != slog.KindString || v.String() != "1h30m0s" {
		t.Errorf("remaining = %v (%s), want the string 1h30m0s", v, v.Kind())
	}
}
