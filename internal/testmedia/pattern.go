// Package testmedia makes the picture and sound that Takeone's tests and load tool send: moving color bars with a
// box and a frame counter, a white flash on the first frame of every second, and a 1 kHz beep over the first
// 50 ms of the same second, so a recording's A/V sync can be measured (flash against beep onset). The raw camera
// (YUV4MPEG2) and microphone (WAV) files feed Chromium's fake devices; VP8 in IVF and Opus in Ogg, encoded by
// ffmpeg with fixed settings, feed Go WHIP clients. The same Spec always gives the same bytes, so every run tests
// the same clip.
package testmedia

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Spec is the clip's length and picture.
type Spec struct {
	Seconds int
	Width   int // even
	Height  int // even
	FPS     int
	// KeyframeInterval is the clip's frames from one keyframe to the next; 0 is one a second.
	KeyframeInterval int
}

// Default is the clip most tests use: 10 s of 640x480 at 30 fps.
var Default = Spec{Seconds: 10, Width: 640, Height: 480, FPS: 30}

// SampleRate is the microphone's rate; its single channel beeps at BeepHz for 50 ms each second.
const (
	SampleRate = 48000
	BeepHz     = 1000
	beepLength = SampleRate / 20 // 50 ms
)

// Validate says what is wrong with a Spec.
func (s Spec) Validate() error {
	switch {
	case s.Seconds < 1 || s.Seconds > 3600:
		return fmt.Errorf("testmedia: %d seconds: use 1 to 3600", s.Seconds)
	case s.Width < 64 || s.Height < 64 || s.Width%2 != 0 || s.Height%2 != 0 || s.Width > 3840 || s.Height > 2160:
		return fmt.Errorf("testmedia: %dx%d: use an even size from 64x64 to 3840x2160", s.Width, s.Height)
	case s.FPS < 1 || s.FPS > 120:
		return fmt.Errorf("testmedia: %d fps: use 1 to 120", s.FPS)
	case s.KeyframeInterval < 0:
		return fmt.Errorf("testmedia: a keyframe every %d frames: use 0 (one a second) or more", s.KeyframeInterval)
	}
	return nil
}

// String names the spec, e.g. "10s-640x480-30fps", or "5s-640x480-30fps-gop1000" with a keyframe interval.
func (s Spec) String() string {
	name := fmt.Sprintf("%ds-%dx%d-%dfps", s.Seconds, s.Width, s.Height, s.FPS)
	if s.KeyframeInterval > 0 {
		name += fmt.Sprintf("-gop%d", s.KeyframeInterval)
	}
	return name
}

// gop is the frames from one keyframe to the next.
func (s Spec) gop() int {
	if s.KeyframeInterval > 0 {
		return s.KeyframeInterval
	}
	return s.FPS
}

// Frames is the number of video frames.
func (s Spec) Frames() int { return s.Seconds * s.FPS }

// bars are eight 75 % color bars (white, yellow, cyan, green, magenta, red, blue, black) in BT.601 Y, Cb, Cr.
var bars = [8][3]byte{
	{180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58},
	{84, 184, 198}, {65, 100, 212}, {35, 212, 114}, {16, 128, 128},
}

// WriteY4M writes the picture as YUV4MPEG2 (4:2:0), the format Chromium's --use-file-for-fake-video-capture reads.
func (s Spec) WriteY4M(w io.Writer) error {
	if err := s.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", s.Width, s.Height, s.FPS)
	frame := make([]byte, s.Width*s.Height*3/2)
	for n := range s.Frames() {
		s.drawFrame(frame, n)
		bw.WriteString("FRAME\n")
		if _, err := bw.Write(frame); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// drawFrame paints frame n into an I420 buffer: bars that scroll left, a box that bounces, grain that keeps the
// encoder busy as a camera would, and frame n's number in binary along the top; the first frame of every second is
// white.
func (s Spec) drawFrame(frame []byte, n int) {
	w, h := s.Width, s.Height
	y, u, v := frame[:w*h], frame[w*h:w*h*5/4], frame[w*h*5/4:]
	if n%s.FPS == 0 {
		fill(y, 235)
		fill(u, 128)
		fill(v, 128)
		return
	}
	barWidth := max(w/8, 1)
	shift := 4 * n
	for row := range h {
		for col := range w {
			bar := bars[((col+shift)/barWidth)%8]
			y[row*w+col] = bar[0] + grain(col, row, n)
		}
	}
	for row := range h / 2 {
		for col := range w / 2 {
			bar := bars[((2*col+shift)/barWidth)%8]
			u[row*w/2+col], v[row*w/2+col] = bar[1], bar[2]
		}
	}
	// a box of a sixth of the height that bounces on a triangle wave (integers only: the same bytes everywhere)
	side := h / 6 &^ 1
	bx := bounce(n*5, w-side) &^ 1
	by := bounce(n*3, h-side) &^ 1
	s.rect(frame, bx, by, side, side, 200, 80, 200)
	// the frame number in 16 bits: a white square for 1, a black one for 0
	cell := max(w/32, 2) &^ 1
	for bit := range 16 {
		lum := byte(16)
		if n>>(15-bit)&1 == 1 {
			lum = 235
		}
		s.rect(frame, bit*cell, 0, cell, cell, lum, 128, 128)
	}
}

// rect fills an even-aligned rectangle with one color, clipped to the frame.
func (s Spec) rect(frame []byte, x, y, rw, rh int, lum, cb, cr byte) {
	w, h := s.Width, s.Height
	luma, u, v := frame[:w*h], frame[w*h:w*h*5/4], frame[w*h*5/4:]
	for row := y; row < min(y+rh, h); row++ {
		fill(luma[row*w+x:row*w+min(x+rw, w)], lum)
	}
	for row := y / 2; row < min((y+rh)/2, h/2); row++ {
		fill(u[row*w/2+x/2:row*w/2+min((x+rw)/2, w/2)], cb)
		fill(v[row*w/2+x/2:row*w/2+min((x+rw)/2, w/2)], cr)
	}
}

// bounce goes from 0 up to span and back as t grows.
func bounce(t, span int) int {
	if span <= 0 {
		return 0
	}
	t %= 2 * span
	if t > span {
		return 2*span - t
	}
	return t
}

// grain is a small pseudo-random brightness (0 to 7) from the pixel and the frame, like a camera's sensor noise.
func grain(x, y, n int) byte {
	h := uint32(x)*0x9E3779B1 ^ uint32(y)*0x85EBCA77 ^ uint32(n)*0xC2B2AE3D
	h ^= h >> 15
	h *= 0x2C1B3C6D
	h ^= h >> 13
	return byte(h & 7)
}

func fill(b []byte, c byte) {
	for i := range b {
		b[i] = c
	}
}

// WriteWAV writes the sound as 16-bit mono PCM WAV at SampleRate: silence, and a beep over the first 50 ms of
// every second.
func (s Spec) WriteWAV(w io.Writer) error {
	if err := s.Validate(); err != nil {
		return err
	}
	samples := s.Seconds * SampleRate
	bw := bufio.NewWriterSize(w, 1<<16)
	header := []any{
		[4]byte{'R', 'I', 'F', 'F'}, uint32(36 + 2*samples), [4]byte{'W', 'A', 'V', 'E'},
		[4]byte{'f', 'm', 't', ' '}, uint32(16), uint16(1), uint16(1), uint32(SampleRate), uint32(2 * SampleRate),
		uint16(2), uint16(16),
		[4]byte{'d', 'a', 't', 'a'}, uint32(2 * samples),
	}
	for _, field := range header {
		if err := binary.Write(bw, binary.LittleEndian, field); err != nil {
			return err
		}
	}
	// one period of the beep: SampleRate/BeepHz samples, at half of full scale
	period := make([]int16, SampleRate/BeepHz)
	for i := range period {
		period[i] = int16(math.Round(16383 * math.Sin(2*math.Pi*float64(i)/float64(len(period)))))
	}
	var sample [2]byte
	for i := range samples {
		var value int16
		if at := i % SampleRate; at < beepLength {
			value = period[at%len(period)]
		}
		binary.LittleEndian.PutUint16(sample[:], uint16(value))
		if _, err := bw.Write(sample[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}
