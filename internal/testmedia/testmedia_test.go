package testmedia

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/takeone/takeone/internal/mediacheck"
)

var small = Spec{Seconds: 2, Width: 160, Height: 120, FPS: 10}

// The camera file is what Chromium reads: a YUV4MPEG2 header, then a frame per 1/FPS s, the first of each second
// white and the others far darker.
func TestCameraFile(t *testing.T) {
	var buf bytes.Buffer
	if err := small.WriteY4M(&buf); err != nil {
		t.Fatal(err)
	}
	header, body, _ := bytes.Cut(buf.Bytes(), []byte("\n"))
	if want := "YUV4MPEG2 W160 H120 F10:1 Ip A1:1 C420jpeg"; string(header) != want {
		t.Fatalf("header %q, want %q", header, want)
	}
	frameSize := len("FRAME\n") + 160*120*3/2
	if len(body) != small.Frames()*frameSize {
		t.Fatalf("%d bytes of frames, want %d frames of %d", len(body), small.Frames(), frameSize)
	}
	for n := range small.Frames() {
		frame := body[n*frameSize:][:frameSize]
		if !bytes.HasPrefix(frame, []byte("FRAME\n")) {
			t.Fatalf("frame %d does not start with FRAME", n)
		}
		var sum int
		for _, y := range frame[6 : 6+160*120] {
			sum += int(y)
		}
		mean := sum / (160 * 120)
		if flash := n%small.FPS == 0; flash != (mean > 200) || (!flash && mean > 150) {
			t.Errorf("frame %d: mean luma %d (a flash is white, other frames below 150)", n, mean)
		}
	}
}

// The microphone file is 16-bit mono PCM at 48 kHz that is silent but for 50 ms at the start of every second.
func TestMicFile(t *testing.T) {
	var buf bytes.Buffer
	if err := small.WriteWAV(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" || string(data[36:40]) != "data" {
		t.Fatalf("not a WAV file: % x", data[:44])
	}
	if rate := binary.LittleEndian.Uint32(data[24:]); rate != SampleRate {
		t.Fatalf("sample rate %d", rate)
	}
	samples := data[44:]
	if len(samples) != 2*small.Seconds*SampleRate {
		t.Fatalf("%d bytes of samples, want %d s", len(samples), small.Seconds)
	}
	for i := 0; i < len(samples)/2; i++ {
		v := int16(binary.LittleEndian.Uint16(samples[2*i:]))
		inBeep := i%SampleRate < SampleRate/20
		if !inBeep && v != 0 {
			t.Fatalf("sample %d is %d outside a beep", i, v)
		}
		if inBeep && i%SampleRate == 12 && v < 16000 { // a quarter period of 1 kHz in: the sine's peak
			t.Fatalf("sample %d is %d at a beep's peak", i, v)
		}
	}
}

// Encoding the same spec twice gives the same bytes, so every run of the tests sends the same clip; and the clip
// has its flash and beep together.
func TestClipIsTheSameEveryTime(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, dir := range dirs {
		if err := MakeClip(t.Context(), dir, small); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{VideoFile, AudioFile} {
		a, errA := os.ReadFile(filepath.Join(dirs[0], name))
		b, errB := os.ReadFile(filepath.Join(dirs[1], name))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two encodings (%d and %d bytes)", name, len(a), len(b))
		}
	}
	info, err := mediacheck.Probe(filepath.Join(dirs[0], VideoFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 160 || info.Height != 120 || info.VideoFrames != small.Frames() {
		t.Errorf("clip.ivf: %dx%d with %d frames, want 160x120 with %d", info.Width, info.Height, info.VideoFrames, small.Frames())
	}
}

func TestSpecValidate(t *testing.T) {
	for _, bad := range []Spec{
		{Seconds: 0, Width: 640, Height: 480, FPS: 30},
		{Seconds: 1, Width: 641, Height: 480, FPS: 30},
		{Seconds: 1, Width: 640, Height: 32, FPS: 30},
		{Seconds: 1, Width: 640, Height: 480, FPS: 0},
		{Seconds: 1, Width: 640, Height: 480, FPS: 30, KeyframeInterval: -1},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
		if err := MakeClip(t.Context(), t.TempDir(), bad); err == nil {
			t.Errorf("MakeClip(%+v): no error", bad)
		}
	}
	if err := Default.Validate(); err != nil {
		t.Error(err)
	}
}
