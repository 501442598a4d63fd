package mediacheck

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const sampleRate = 48000

// AVOffset measures how far sound is from picture in a recording of testmedia's pattern (a white flash on the
// first frame of every second, a 1 kHz beep starting at the same instant): audio minus video, so a positive
// offset means the sound comes late.
//
// ffmpeg decodes the picture to mean luma per frame (scaled down, with each frame's own timestamp) and the sound
// to 48 kHz mono PCM, both on the container's timeline. A flash is a frame whose luma jumps above halfway between
// the median and the brightest frame; a beep onset is the first sample above a quarter of the loudest after at
// least 200 ms below it. Each flash is paired with the nearest onset within 400 ms and the median of the pairs is
// returned, so one missing flash or beep does not move the result.
//
// Precision: flash times are the frames' container timestamps (1 ms in WebM), not frame indices, so a dropped
// frame removes a pair instead of shifting it by a frame (33 ms at 30 fps); onsets are found to the sample, and
// Opus moves an onset by a few ms. The pattern itself is exact (each beep starts on its flash's sample), but
// ffmpeg's own mux of the clip's Opus and VP8 measures about -7 ms (the sound's decoding starts with the encoder's
// look-ahead); compare offsets against such a reference, not against 0, when a few ms matter.
func AVOffset(path string) (time.Duration, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("mediacheck: %w", err)
	}
	dir, err := os.MkdirTemp("", "mediacheck-")
	if err != nil {
		return 0, fmt.Errorf("mediacheck: %w", err)
	}
	defer os.RemoveAll(dir)
	lumaPath, pcmPath := filepath.Join(dir, "luma.txt"), filepath.Join(dir, "audio.pcm")
	_, _, err = run("ffmpeg", "-nostdin", "-v", "error", "-copyts", "-i", path,
		"-map", "0:v:0", "-vf", "scale=64:48,signalstats,metadata=print:key=lavfi.signalstats.YAVG:file="+
			filterEscape(lumaPath), "-f", "null", "-",
		"-map", "0:a:0", "-af", "aresample=async=1:first_pts=0", "-ac", "1", "-ar", strconv.Itoa(sampleRate),
		"-f", "s16le", pcmPath)
	if err != nil {
		return 0, err
	}
	frames, err := readLuma(lumaPath)
	if err != nil {
		return 0, err
	}
	pcm, err := os.ReadFile(pcmPath)
	if err != nil {
		return 0, fmt.Errorf("mediacheck: %w", err)
	}
	samples := make([]int16, len(pcm)/2)
	for i := range samples {
		samples[i] = int16(binary.LittleEndian.Uint16(pcm[2*i:]))
	}
	flashes := findFlashes(frames)
	beeps := findBeeps(samples)
	offset, pairs := pairOffsets(flashes, beeps)
	if pairs < 2 {
		return 0, fmt.Errorf("mediacheck: %s: only %d flash/beep pairs (%d flashes, %d beeps): not testmedia's pattern?",
			path, pairs, len(flashes), len(beeps))
	}
	return offset, nil
}

// filterEscape quotes a path for a filter option value.
func filterEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\\\`, `'`, `\\\'`, `:`, `\\:`, `,`, `\,`, `;`, `\;`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}

// lumaFrame is one decoded video frame: its timestamp and mean luma.
type lumaFrame struct {
	at   time.Duration
	luma float64
}

// readLuma parses ffmpeg's metadata print: "frame:N pts:P pts_time:T" then "lavfi.signalstats.YAVG=V".
func readLuma(path string) ([]lumaFrame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mediacheck: %w", err)
	}
	defer f.Close()
	var frames []lumaFrame
	var at time.Duration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "pts_time:"); i >= 0 {
			t, err := strconv.ParseFloat(strings.Fields(line[i+len("pts_time:"):])[0], 64)
			if err != nil {
				return nil, fmt.Errorf("mediacheck: luma line %q: %w", line, err)
			}
			at = time.Duration(t * float64(time.Second))
		} else if v, ok := strings.CutPrefix(line, "lavfi.signalstats.YAVG="); ok {
			y, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("mediacheck: luma line %q: %w", line, err)
			}
			frames = append(frames, lumaFrame{at: at, luma: y})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mediacheck: %w", err)
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("mediacheck: no video frame decoded")
	}
	return frames, nil
}

// findFlashes returns the times of the frames where luma jumps up to a flash.
func findFlashes(frames []lumaFrame) []time.Duration {
	values := make([]float64, len(frames))
	for i, f := range frames {
		values[i] = f.luma
	}
	slices.Sort(values)
	median, brightest := values[len(values)/2], values[len(values)-1]
	if brightest-median < 20 {
		return nil // no flash stands out
	}
	threshold := (median + brightest) / 2
	var out []time.Duration
	for i, f := range frames {
		if f.luma >= threshold && (i == 0 || frames[i-1].luma < threshold) {
			out = append(out, f.at)
		}
	}
	return out
}

// findBeeps returns the onset times of the beeps in 48 kHz mono samples.
func findBeeps(samples []int16) []time.Duration {
	peak := 0
	for _, s := range samples {
		peak = max(peak, abs(int(s)))
	}
	if peak < 1000 {
		return nil // silence
	}
	threshold := peak / 4
	quiet := 200 * sampleRate / 1000 // samples below threshold before an onset
	var out []time.Duration
	last := -quiet - 1 // last sample above threshold
	for i, s := range samples {
		if abs(int(s)) < threshold {
			continue
		}
		if i-last > quiet {
			out = append(out, time.Duration(i)*time.Second/sampleRate)
		}
		last = i
	}
	return out
}

// pairOffsets pairs each flash with the nearest beep within 400 ms and returns the median offset (beep - flash).
func pairOffsets(flashes, beeps []time.Duration) (time.Duration, int) {
	var offsets []time.Duration
	for _, f := range flashes {
		i, _ := slices.BinarySearch(beeps, f)
		best, found := time.Duration(0), false
		for _, j := range []int{i - 1, i} {
			if j < 0 || j >= len(beeps) {
				continue
			}
			d := beeps[j] - f
			if d.Abs() <= 400*time.Millisecond && (!found || d.Abs() < best.Abs()) {
				best, found = d, true
			}
		}
		if found {
			offsets = append(offsets, best)
		}
	}
	if len(offsets) == 0 {
		return 0, 0
	}
	slices.Sort(offsets)
	n := len(offsets)
	if n%2 == 1 {
		return offsets[n/2], n
	}
	return (offsets[n/2-1] + offsets[n/2]) / 2, n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
