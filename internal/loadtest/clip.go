package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"github.com/takeone/takeone/internal/whipclient"
)

// Clip is what every publisher sends: VP8 in clip.ivf and Opus in clip.ogg, as the testmedia tool writes them.
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
func (c Clip) Media() whipclient.Media {
	return whipclient.Media{IVF: filepath.Join(c.Dir, "clip.ivf"), Ogg: filepath.Join(c.Dir, "clip.ogg")}
}

// OpenClip reads the clip in dir (clip.ivf and clip.ogg) and measures it.
func OpenClip(dir string) (Clip, error) {
	c := Clip{Dir: dir}
	m := c.Media()
	if _, err := os.Stat(m.Ogg); err != nil {
		return c, fmt.Errorf("the clip dir %s has no clip.ogg (make one with testmedia DIR SECONDS 640x480 30): %w", dir, err)
	}
	data, err := os.ReadFile(m.IVF)
	if err != nil {
		return c, fmt.Errorf("the clip dir %s has no clip.ivf (make one with testmedia DIR SECONDS 640x480 30): %w", dir, err)
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

// MakeClip writes a clip of the given length into dir with ffmpeg, the way testmedia makes clip.ivf and clip.ogg
// (the same test pattern with a white flash and a beep every second, VP8 at 1.5 Mbit/s, Opus at 48 kbit/s), but
// straight from the generators, without testmedia's raw camera.y4m and mic.wav.
func MakeClip(ctx context.Context, dir string, seconds int) (Clip, error) {
	const size, fps = "640x480", 30
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return Clip{}, fmt.Errorf("making the test clip needs ffmpeg (Debian: apt-get install ffmpeg), or pass --clip DIR: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Clip{}, err
	}
	secs := strconv.Itoa(seconds)
	gop := strconv.Itoa(fps)
	runs := [][]string{
		{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=" + gop + ":duration=" + secs,
			"-vf", `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(t\,1)\,1/` + gop + `)'`,
			"-pix_fmt", "yuv420p", "-c:v", "libvpx", "-b:v", "1500k", "-deadline", "realtime", "-cpu-used", "8",
			"-g", gop, "-keyint_min", gop, filepath.Join(dir, "clip.ivf")},
		{"-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=" + secs,
			"-af", `volume=enable='gte(mod(t\,1)\,0.05)':volume=0`, "-ac", "1",
			"-c:a", "libopus", "-b:a", "48k", "-page_duration", "20000", filepath.Join(dir, "clip.ogg")},
	}
	for _, args := range runs {
		out, err := exec.CommandContext(ctx, ffmpeg, args...).CombinedOutput()
		if err != nil {
			return Clip{}, fmt.Errorf("ffmpeg %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
	}
	return OpenClip(dir)
}
