package mediacheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/testtool"
)

// makeClip returns the directory of a shared test clip (read-only) and a temporary directory for what the test
// writes.
func makeClip(t *testing.T) (clip, dir string) {
	t.Helper()
	clip, err := testtool.Media(testmedia.Spec{Seconds: 10, Width: 320, Height: 240, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	return clip, t.TempDir()
}

func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", args, err, out)
	}
}

func TestOnFilesMadeByFFmpeg(t *testing.T) {
	clip, dir := makeClip(t)
	ivf, ogg := filepath.Join(clip, "clip.ivf"), filepath.Join(clip, "clip.ogg")
	at := func(name string) string { return filepath.Join(dir, name) }

	ffmpeg(t, "-i", ivf, "-i", ogg, "-c", "copy", at("sync.webm"))
	ffmpeg(t, "-i", ivf, "-itsoffset", "0.2", "-i", ogg, "-c", "copy", at("late.webm"))
	ffmpeg(t, "-itsoffset", "0.1", "-i", ivf, "-i", ogg, "-c", "copy", at("early.webm"))
	// written to a pipe, the muxer cannot go back to add Cues
	out, err := os.Create(at("nocues.webm"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", ivf, "-i", ogg, "-c", "copy", "-f", "webm", "pipe:1")
	cmd.Stdout = out
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	// damaged: a stretch of video data overwritten with garbage
	data, err := os.ReadFile(at("sync.webm"))
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 2; i < len(data)/2+20000; i++ {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(at("damaged.webm"), data, 0o600); err != nil {
		t.Fatal(err)
	}

	var baseline time.Duration
	for _, test := range []struct {
		file      string
		seekable  bool
		decodes   bool
		offset    time.Duration
		minLength time.Duration
	}{
		{file: "sync.webm", seekable: true, decodes: true, offset: 0, minLength: 10 * time.Second},
		{file: "late.webm", seekable: true, decodes: true, offset: 200 * time.Millisecond, minLength: 10 * time.Second},
		{file: "early.webm", seekable: true, decodes: true, offset: -100 * time.Millisecond, minLength: 10 * time.Second},
		{file: "nocues.webm", seekable: false, decodes: true, offset: 0},
		{file: "damaged.webm", seekable: true, decodes: false},
	} {
		t.Run(test.file, func(t *testing.T) {
			path := at(test.file)
			err := Decode(path)
			if test.decodes != (err == nil) {
				t.Errorf("Decode: %v, want decodes=%v", err, test.decodes)
			}
			if !test.decodes {
				return
			}
			info, err := Probe(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Seekable != test.seekable {
				t.Errorf("Seekable %v (%d cue points), want %v", info.Seekable, info.CuePoints, test.seekable)
			}
			if info.VideoFrames != 300 || info.Width != 320 || info.Height != 240 {
				t.Errorf("video: %d frames %dx%d, want 300 frames 320x240", info.VideoFrames, info.Width, info.Height)
			}
			if info.AudioPackets < 500 || info.AudioPackets > 502 {
				t.Errorf("audio: %d packets, want ~501", info.AudioPackets)
			}
			if test.minLength > 0 && (info.Duration < test.minLength || info.Duration > test.minLength+300*time.Millisecond) {
				t.Errorf("duration %s, want %s to %s", info.Duration, test.minLength, test.minLength+300*time.Millisecond)
			}
			if test.seekable {
				for _, at := range []time.Duration{3 * time.Second, 7 * time.Second} {
					if err := SeekFrame(path, at); err != nil {
						t.Errorf("SeekFrame(%s): %v", at, err)
					}
				}
			}
			offset, err := AVOffset(path)
			if err != nil {
				t.Fatal(err)
			}
			// ffmpeg's own mux of the clips is the reference: it measures a few ms from 0 (see AVOffset)
			if test.file == "sync.webm" {
				baseline = offset
				if offset.Abs() > 10*time.Millisecond {
					t.Errorf("AVOffset %s of an in-sync file, want ~0 (+-10 ms)", offset)
				}
			} else if d := offset - baseline - test.offset; d.Abs() > 3*time.Millisecond {
				t.Errorf("AVOffset %s, want %s more than the in-sync file's %s (+-3 ms)", offset, test.offset, baseline)
			}
			t.Logf("%s: duration %s, %d frames, %d audio packets, %d cue points, A/V offset %s", test.file,
				info.Duration, info.VideoFrames, info.AudioPackets, info.CuePoints, offset)
		})
	}
}

func TestMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.webm")
	if _, err := Probe(missing); err == nil {
		t.Error("Probe of a missing file: no error")
	}
	if err := Decode(missing); err == nil {
		t.Error("Decode of a missing file: no error")
	}
	if _, err := AVOffset(missing); err == nil {
		t.Error("AVOffset of a missing file: no error")
	}
}

// Without ffmpeg in PATH the checks fail and say what to install; they never pass silently.
func TestToolsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Decode("whatever.webm")
	if err == nil {
		t.Fatal("Decode without ffmpeg: no error")
	}
	t.Log(err)
}

func TestPairOffsets(t *testing.T) {
	s := time.Second
	ms := time.Millisecond
	for i, test := range []struct {
		flashes, beeps []time.Duration
		want           time.Duration
		pairs          int
	}{
		{[]time.Duration{0, s, 2 * s}, []time.Duration{10 * ms, s + 10*ms, 2*s + 10*ms}, 10 * ms, 3},
		// a missing beep and a far one: not paired
		{[]time.Duration{0, s, 2 * s}, []time.Duration{-20 * ms, 2*s + 600*ms}, -20 * ms, 1},
		// one outlier does not move the median
		{[]time.Duration{0, s, 2 * s}, []time.Duration{5 * ms, s + 5*ms, 2*s + 300*ms}, 5 * ms, 3},
		{nil, []time.Duration{0}, 0, 0},
	} {
		got, pairs := pairOffsets(test.flashes, test.beeps)
		if got != test.want || pairs != test.pairs {
			t.Errorf("%d: %s with %d pairs, want %s with %d", i, got, pairs, test.want, test.pairs)
		}
	}
}
