package rtc

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs sends pion's logs to slog. Only pion's errors stay errors: its
// warnings fire on every normal end of a connection (closed pipes, streams
// already closed) and on stray packets from the internet, and its info is
// per-connection chatter, so both become Debug; the recorder logs how each
// take ended. Trace is dropped.
type pionLogs struct {
	log *slog.Logger
}

// NewLogger implements logging.LoggerFactory.
func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct {
	log *slog.Logger
}

func (l pionLogger) emit(level slog.Level, msg string) {
	l.log.Log(context.Background(), level, msg)
}

func (l pionLogger) emitf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) { // skip formatting
		l.emit(level, fmt.Sprintf(format, args...))
	}
}

func (l pionLogger) Trace(string)                 {}
func (l pionLogger) Tracef(string, ...any)        {}
func (l pionLogger) Debug(msg string)             { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(f string, args ...any) { l.emitf(slog.LevelDebug, f, args...) }
func (l pionLogger) Info(msg string)              { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Infof(f string, args ...any)  { l.emitf(slog.LevelDebug, f, args...) }
func (l pionLogger) Warn(msg string)              { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Warnf(f string, args ...any)  { l.emitf(slog.LevelDebug, f, args...) }
func (l pionLogger) Error(msg string)             { l.emit(slog.LevelError, msg) }
func (l pionLogger) Errorf(f string, args ...any) { l.emitf(slog.LevelError, f, args...) }
