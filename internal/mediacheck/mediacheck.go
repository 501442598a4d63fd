// Package mediacheck answers, for tests, what a viewer of a recording would notice: does it decode, how long is
// it, how many frames does it hold, can a player seek in it, and are sound and picture in sync. It runs the
// real ffprobe and ffmpeg (Debian: apt-get install ffmpeg); when they are missing every function returns an error
// that says so, so a test fails instead of passing without checking anything.
package mediacheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// Stream is one stream of a media file as ffprobe sees it.
type Stream struct {
	Index  int
	Type   string // "video" or "audio"
	Codec  string // e.g. "vp8", "opus"
	Width  int
	Height int
	// Frames is the number of frames ffprobe decoded (-count_frames); Packets the number it read.
	Frames  int
	Packets int
}

// Info sums up a media file.
type Info struct {
	// Duration is the container's duration (ffprobe's format.duration: the WebM Duration element); 0 when the
	// file has none.
	Duration     time.Duration
	Streams      []Stream
	VideoFrames  int // decoded frames of the first video stream
	AudioPackets int // packets of the first audio stream
	Width        int // of the first video stream
	Height       int
	// Seekable says the file has Cues with at least one cue point, what players seek with. CuePoints counts
	// them. Both are read from the EBML (Matroska/WebM files only).
	Seekable  bool
	CuePoints int
}

// Video returns the first video stream.
func (i Info) Video() (Stream, bool) { return i.first("video") }

// Audio returns the first audio stream.
func (i Info) Audio() (Stream, bool) { return i.first("audio") }

func (i Info) first(kind string) (Stream, bool) {
	for _, s := range i.Streams {
		if s.Type == kind {
			return s, true
		}
	}
	return Stream{}, false
}

// tool finds ffmpeg or ffprobe.
func tool(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("mediacheck: %s not found in PATH; install ffmpeg (Debian: apt-get install ffmpeg): %w",
			name, err)
	}
	return path, nil
}

// run runs a tool and returns its standard output; any exit status other than 0 is an error carrying stderr.
func run(name string, args ...string) (stdout, stderr []byte, err error) {
	path, err := tool(name)
	if err != nil {
		return nil, nil, err
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.Bytes(), errOut.Bytes(), fmt.Errorf("mediacheck: %s %s: %w: %s", name, strings.Join(args, " "), err,
			strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), errOut.Bytes(), nil
}

// Probe describes the file at path: container duration, streams, the first video stream's decoded frame count,
// the first audio stream's packet count, and whether it has Cues.
func Probe(path string) (Info, error) {
	if _, err := os.Stat(path); err != nil {
		return Info{}, fmt.Errorf("mediacheck: %w", err)
	}
	out, _, err := run("ffprobe", "-v", "error", "-count_frames", "-count_packets",
		"-show_entries", "format=duration:stream=index,codec_type,codec_name,width,height,nb_read_frames,nb_read_packets",
		"-of", "json", path)
	if err != nil {
		return Info{}, err
	}
	var probe struct {
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			Index   int    `json:"index"`
			Type    string `json:"codec_type"`
			Codec   string `json:"codec_name"`
			Width   int    `json:"width"`
			Height  int    `json:"height"`
			Frames  string `json:"nb_read_frames"`
			Packets string `json:"nb_read_packets"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		return Info{}, fmt.Errorf("mediacheck: ffprobe output of %s: %w", path, err)
	}
	var info Info
	if d, err := strconv.ParseFloat(probe.Format.Duration, 64); err == nil {
		info.Duration = time.Duration(d * float64(time.Second))
	}
	for _, s := range probe.Streams {
		frames, _ := strconv.Atoi(s.Frames)
		packets, _ := strconv.Atoi(s.Packets)
		info.Streams = append(info.Streams, Stream{Index: s.Index, Type: s.Type, Codec: s.Codec, Width: s.Width,
			Height: s.Height, Frames: frames, Packets: packets})
	}
	if v, ok := info.Video(); ok {
		info.VideoFrames, info.Width, info.Height = v.Frames, v.Width, v.Height
	}
	if a, ok := info.Audio(); ok {
		info.AudioPackets = a.Packets
	}
	if info.CuePoints, err = cuePoints(path); err != nil {
		return info, err
	}
	info.Seekable = info.CuePoints > 0
	return info, nil
}

// cuePoints counts the cue points of a Matroska/WebM file, read with ebml-go (unknown-size clusters included).
func cuePoints(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("mediacheck: %w", err)
	}
	defer f.Close()
	var doc struct {
		Header  webm.EBMLHeader `ebml:"EBML"`
		Segment struct {
			Cues []webm.Cues `ebml:"Cues"`
		} `ebml:"Segment"`
	}
	if err := ebml.Unmarshal(f, &doc, ebml.WithIgnoreUnknown(true)); err != nil {
		return 0, fmt.Errorf("mediacheck: reading the EBML of %s: %w", path, err)
	}
	n := 0
	for _, c := range doc.Segment.Cues {
		n += len(c.CuePoint)
	}
	return n, nil
}

// Decode decodes every stream of the file and fails on a non-zero exit or any error output:
// ffmpeg -v error -xerror -i path -enc_time_base demux -f null -. (Keeping the file's own time base matters:
// otherwise ffmpeg rounds frame times to its guess of the frame rate, and two frames of a variable-rate camera
// that fall into one 1/30 s slot make the null muxer print an error about a stream that plays fine.)
func Decode(path string) error {
	_, stderr, err := run("ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", path, "-enc_time_base",
		demuxTimeBase(), "-f", "null", "-")
	if err != nil {
		return err
	}
	if msg := strings.TrimSpace(string(stderr)); msg != "" {
		return fmt.Errorf("mediacheck: decoding %s: %s", path, msg)
	}
	return nil
}

// SeekFrame seeks to at the way a player does (through the index) and decodes one video frame there; it fails
// if the seek or the decoding reports any error, or if no frame comes out.
func SeekFrame(path string, at time.Duration) error {
	pos := strconv.FormatFloat(at.Seconds(), 'f', 3, 64)
	out, stderr, err := run("ffmpeg", "-nostdin", "-v", "error", "-xerror", "-ss", pos, "-i", path,
		"-map", "0:v:0", "-frames:v", "1", "-enc_time_base", demuxTimeBase(), "-f", "framemd5", "-")
	if err != nil {
		return err
	}
	if msg := strings.TrimSpace(string(stderr)); msg != "" {
		return fmt.Errorf("mediacheck: seeking %s to %s: %s", path, at, msg)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			return nil
		}
	}
	return fmt.Errorf("mediacheck: seeking %s to %s: no frame decoded", path, at)
}

var (
	timeBaseOnce sync.Once
	timeBase     string
)

// demuxTimeBase is how this ffmpeg spells "-enc_time_base: the demuxer's": "demux" since 6.1, "-1" before.
func demuxTimeBase() string {
	timeBaseOnce.Do(func() {
		timeBase = "demux"
		out, _, err := run("ffmpeg", "-version")
		if err != nil {
			return
		}
		// "ffmpeg version 5.1.9-0+deb12u1 ...", "ffmpeg version n7.1 ...", "ffmpeg version N-1234-g..." (git)
		var major, minor int
		fields := strings.Fields(string(out))
		if len(fields) >= 3 {
			v := strings.TrimPrefix(fields[2], "n")
			if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err == nil && (major < 6 || major == 6 && minor < 1) {
				timeBase = "-1"
			}
		}
	})
	return timeBase
}
