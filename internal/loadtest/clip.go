package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/whipclient"
)

// Clip is what every publisher sends: VP8 in clip.ivf and Opus in clip.ogg, as package testmedia writes them.
type Clip struct {
	Dir     string  `json:"-"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	FPS     float64 `json:"fps"`
	Frames  int     `json:"frames"`
	Seconds float64 `json:"seconds"`
	// VideoKbps is the clip's average video bitrate.
	VideoKbps float64 `json:"video_kbps"`
}

// Media names the clip's files for the WHIP client.
func (c Clip) Media() whipclient.Media { return whipclient.ClipIn(c.Dir) }

// OpenClip reads the clip in dir (clip.ivf and clip.ogg) and measures it.
func OpenClip(dir string) (Clip, error) {
	c := Clip{Dir: dir}
	m := c.Media()
	if _, err := os.Stat(m.Ogg); err != nil {
		return c, fmt.Errorf("the clip dir %s has no clip.ogg (make one with: go run ./scripts/testmedia DIR SECONDS 640x480 30): %w", dir, err)
	}
	data, err := os.ReadFile(m.IVF)
	if err != nil {
		return c, fmt.Errorf("the clip dir %s has no clip.ivf (make one with: go run ./scripts/testmedia DIR SECONDS 640x480 30): %w", dir, err)
	}
	r, h, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return c, fmt.Errorf("read %s: %w", m.IVF, err)
	}
	if h.FourCC != "VP80" || h.TimebaseNumerator == 0 {
		return c, fmt.Errorf("%s is not a VP8 IVF file with a frame rate (FourCC %q)", m.IVF, h.FourCC)
	}
	var size int
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c, fmt.Errorf("read %s: %w", m.IVF, err)
		}
		c.Frames++
		size += len(frame)
	}
	if c.Frames == 0 {
		return c, fmt.Errorf("%s holds no frame", m.IVF)
	}
	c.Width, c.Height = int(h.Width), int(h.Height)
	c.FPS = float64(h.TimebaseDenominator) / float64(h.TimebaseNumerator)
	c.Seconds = round(float64(c.Frames)/c.FPS, 2)
	c.VideoKbps = round(float64(size)*8/1000/(float64(c.Frames)/c.FPS), 0)
	return c, nil
}

// MakeClip writes a clip of the given length into dir: package testmedia's pattern at 640x480 and 30 fps, a white
// flash and a beep every second, VP8 at 1.5 Mbit/s and Opus at 48 kbit/s.
func MakeClip(ctx context.Context, dir string, seconds int) (Clip, error) {
	spec := testmedia.Spec{Seconds: seconds, Width: 640, Height: 480, FPS: 30}
	if err := testmedia.MakeClip(ctx, dir, spec); err != nil {
		return Clip{}, fmt.Errorf("%w (or pass --clip DIR)", err)
	}
	return OpenClip(dir)
}
