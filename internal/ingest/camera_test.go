package ingest

import (
	"testing"
	"time"

	"github.com/takeone/takeone/internal/recorder"
	"github.com/takeone/takeone/pb_migrations"
)

func TestWhole(t *testing.T) {
	hd := &Camera{Width: 1280, Height: 720, FrameRate: 30}
	full := recorder.Stats{Duration: 10 * time.Second, VideoFrames: 300, Width: 1280, Height: 720}
	with := func(change func(*recorder.Stats)) recorder.Stats {
		s := full
		change(&s)
		return s
	}
	for _, c := range []struct {
		name   string
		camera *Camera
		status pb_migrations.AnswerStatus
		stats  recorder.Stats
		whole  bool
	}{
		{"every frame at the camera's size", hd, pb_migrations.AnswerComplete, full, true},
		{"a phone on its side", &Camera{Width: 720, Height: 1280, FrameRate: 30}, pb_migrations.AnswerComplete, full, true},
		{"a camera slower than it said", hd, pb_migrations.AnswerComplete, with(func(s *recorder.Stats) { s.VideoFrames = 200 }), true},
		{"no picture", hd, pb_migrations.AnswerComplete, with(func(s *recorder.Stats) { s.VideoFrames = 0 }), false},
		{"a frame dropped for loss", hd, pb_migrations.AnswerComplete, with(func(s *recorder.Stats) { s.DroppedFrames = 1 }), false},
		{"the size changed", hd, pb_migrations.AnswerComplete, with(func(s *recorder.Stats) { s.Resizes = 1 }), false},
		{"smaller than the camera", hd, pb_migrations.AnswerComplete, with(func(s *recorder.Stats) { s.Width, s.Height = 640, 360 }), false},
		{"cut short", hd, pb_migrations.AnswerInterrupted, full, false},
		{"no camera said", nil, pb_migrations.AnswerComplete, full, false},
	} {
		if got := whole(c.camera, c.status, c.stats); got != c.whole {
			t.Errorf("%s: whole %v, want %v", c.name, got, c.whole)
		}
	}
}
