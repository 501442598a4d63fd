package mediacheck

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Frame is one decoded video frame as ffprobe reports it.
type Frame struct {
	At     time.Duration // its timestamp on the container's timeline
	Width  int
	Height int
	Key    bool
}

// Frames decodes the first video stream and returns every frame's timestamp, size and whether it is a keyframe
// (ffprobe -show_frames). A recorder that follows a sender's resolution changes without a new track stores
// frames of several sizes in one stream; the stream's header shows only one of them.
func Frames(path string) ([]Frame, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("mediacheck: %w", err)
	}
	out, _, err := run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_frames",
		"-show_entries", "frame=best_effort_timestamp_time,width,height,key_frame", "-of", "json", path)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Frames []struct {
			At     string `json:"best_effort_timestamp_time"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
			Key    int    `json:"key_frame"`
		} `json:"frames"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		return nil, fmt.Errorf("mediacheck: ffprobe frames of %s: %w", path, err)
	}
	frames := make([]Frame, 0, len(probe.Frames))
	for _, f := range probe.Frames {
		at, _ := strconv.ParseFloat(f.At, 64)
		frames = append(frames, Frame{At: time.Duration(at * float64(time.Second)), Width: f.Width, Height: f.Height, Key: f.Key == 1})
	}
	return frames, nil
}

// Frame numbers that PatternNumbers gives besides a pattern frame's own.
const (
	Unreadable = -1 // the number's 16 squares are not each clearly black or white: a damaged picture
	Flash      = -2 // the white frame of the start of a second
)

// PatternNumbers reads, from every decoded frame of the first video stream of a recording of testmedia's pattern,
// the frame number that the pattern draws along its top edge (16 squares of 1/32 of the width, most significant
// bit first: white for 1, black for 0), at whatever size the frame was stored. A frame whose squares are not each
// clearly black or white is Unreadable: what a viewer sees as a broken picture (a frame decoded from a reference
// that never arrived, a smear of blocks) breaks them; a frame scaled down or compressed hard keeps them. A white
// frame is Flash.
func PatternNumbers(path string) ([]int, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("mediacheck: %w", err)
	}
	// the strip of squares (half the width, a square high), 16 squares of 16x16 pixels in 8-bit grey; ffmpeg
	// sets the filters up again when a frame's size changes; every decoded frame comes out once (passthrough)
	const cell, cells = 16, 16
	out, _, err := run("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
		"-vf", "crop=trunc(iw/2):trunc(iw/32):0:0,scale=256:16:flags=area,format=gray",
		"-fps_mode", "passthrough", "-f", "rawvideo", "-")
	if err != nil {
		return nil, err
	}
	const size = cell * cells * cell
	if len(out)%size != 0 {
		return nil, fmt.Errorf("mediacheck: %s: %d bytes of strips, not a whole number of frames", path, len(out))
	}
	numbers := make([]int, 0, len(out)/size)
	for strip := range len(out) / size {
		numbers = append(numbers, readStrip(out[strip*size:(strip+1)*size], cell, cells))
	}
	return numbers, nil
}

// readStrip reads the squares of one strip: each square's mean over its middle half.
func readStrip(strip []byte, cell, cells int) int {
	width := cell * cells
	number, white := 0, 0
	for i := range cells {
		sum, count := 0, 0
		for y := cell / 4; y < cell*3/4; y++ {
			for x := i*cell + cell/4; x < i*cell+cell*3/4; x++ {
				sum += int(strip[y*width+x])
				count++
			}
		}
		mean := sum / count
		switch {
		case mean >= 170:
			number = number<<1 | 1
			white++
		case mean <= 70:
			number <<= 1
		default:
			return Unreadable
		}
	}
	if white == cells {
		return Flash
	}
	return number
}
