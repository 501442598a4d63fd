package testmedia

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The files a clip directory holds.
const (
	CameraFile = "camera.y4m" // for --use-file-for-fake-video-capture
	MicFile    = "mic.wav"    // for --use-file-for-fake-audio-capture
	VideoFile  = "clip.ivf"   // VP8
	AudioFile  = "clip.ogg"   // Opus
)

// Make writes all four files of the spec into dir.
func Make(ctx context.Context, dir string, s Spec) error {
	if err := MakeDevices(dir, s); err != nil {
		return err
	}
	return MakeClip(ctx, dir, s)
}

// MakeDevices writes the raw camera and microphone files for a browser's fake devices.
func MakeDevices(dir string, s Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer) error{CameraFile: s.WriteY4M, MicFile: s.WriteWAV} {
		if err := writeFile(filepath.Join(dir, name), write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("testmedia: write %s: %w", path, err)
	}
	return f.Close()
}

// MakeClip encodes the spec into VP8 (clip.ivf, 1.5 Mbit/s, a keyframe each second unless the spec says otherwise, no frames held back, as a
// browser's real-time encoder sends) and Opus (clip.ogg, 48 kbit/s, a page per packet). The pattern goes to
// ffmpeg through a pipe, so no raw file is written. The settings are fixed and single-threaded (libvpx's
// real-time mode picks its speed from the clock, so its output differs from run to run), and the muxers are told
// to be bit-exact (Ogg would otherwise pick a random stream serial): the same ffmpeg always writes the same bytes.
func MakeClip(ctx context.Context, dir string, s Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return fmt.Errorf("testmedia: encoding the clip needs ffmpeg (Debian: apt-get install ffmpeg): %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	gop := strconv.Itoa(s.gop())
	video := []string{"-f", "yuv4mpegpipe", "-i", "pipe:0",
		"-c:v", "libvpx", "-b:v", "1500k", "-deadline", "good", "-cpu-used", "4", "-threads", "1",
		"-lag-in-frames", "0", "-auto-alt-ref", "0", "-g", gop, "-keyint_min", gop,
		"-flags", "+bitexact", "-fflags", "+bitexact", filepath.Join(dir, VideoFile)}
	audio := []string{"-f", "wav", "-i", "pipe:0",
		"-c:a", "libopus", "-b:a", "48k", "-page_duration", "20000",
		"-flags", "+bitexact", "-fflags", "+bitexact", filepath.Join(dir, AudioFile)}
	if err := encode(ctx, s.WriteY4M, video); err != nil {
		return err
	}
	return encode(ctx, s.WriteWAV, audio)
}

// encode runs ffmpeg with args, writing its input with write.
func encode(ctx context.Context, write func(io.Writer) error, args []string) error {
	args = append([]string{"-nostdin", "-v", "error", "-y"}, args...)
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testmedia: start ffmpeg: %w", err)
	}
	writeErr := write(in)
	in.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("testmedia: ffmpeg %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out.Bytes()))
	}
	if writeErr != nil {
		return fmt.Errorf("testmedia: feed ffmpeg: %w", writeErr)
	}
	return nil
}
