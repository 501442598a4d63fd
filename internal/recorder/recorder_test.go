package recorder

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/testtool"
)

// A take sent the way a browser sends it becomes a file that plays whole, seeks, and keeps sound and picture
// together, whatever the initial sequence numbers and timestamps, including ones that wrap during the take.
func TestRecord(t *testing.T) {
	c := mainClip
	all := want{frames: len(c.video), duration: c.duration}
	for _, test := range []struct {
		name       string
		send       sender
		concurrent bool
		want       want
		moved      bool // the sound is moved when the file is closed
	}{
		{name: "in order", send: sender{videoSeq: 4711, audioSeq: 17, videoTS: 123456789, audioTS: 987654321,
			jitter: 5 * time.Millisecond, seed: 1}, want: all},
		{name: "sequence numbers and timestamps wrap", send: sender{videoSeq: 65535 - 300, audioSeq: 65535 - 40,
			videoTS: 1<<32 - 3*videoRate, audioTS: 1<<32 - 5*audioRate, jitter: 5 * time.Millisecond, seed: 2}, want: all},
		{name: "reordered neighbours", send: sender{videoSeq: 100, audioSeq: 200, videoTS: 3, audioTS: 4,
			swap: 0.1, jitter: 5 * time.Millisecond, seed: 3}, want: all},
		{name: "no sender reports: aligned by arrival", send: sender{videoSeq: 1, audioSeq: 2, videoTS: 5, audioTS: 6,
			noReports: true, jitter: 10 * time.Millisecond, seed: 4}, want: all},
		{name: "reports put the sound 300 ms late", send: sender{videoSeq: 9, audioSeq: 8, videoTS: 7, audioTS: 6,
			reportShift: 300 * time.Millisecond, jitter: 5 * time.Millisecond, seed: 5},
			want: want{frames: len(c.video), duration: c.duration + 300*time.Millisecond, offset: 300 * time.Millisecond}},
		// The start cannot wait for reports that come 5 s in: the sound is placed by arrival, then moved once,
		// as a whole, when the file is closed, never stepped in the middle.
		{name: "reports only after the start: the sound is moved once, at the end", send: sender{videoSeq: 3,
			audioSeq: 4, videoTS: 5, audioTS: 6, reportsFrom: 5 * time.Second, reportShift: 100 * time.Millisecond,
			jitter: 5 * time.Millisecond, seed: 10},
			want:  want{frames: len(c.video), duration: c.duration + 100*time.Millisecond, offset: 100 * time.Millisecond},
			moved: true},
		// A busy sender's first reports claim the sound 90 ms later than it was: the file is written with them,
		// then moved once by the reports that came on time.
		{name: "late reports at first, then on time", send: sender{videoSeq: 13, audioSeq: 14, videoTS: 15,
			audioTS: 16, lateReports: 90 * time.Millisecond, lateUntil: 4 * time.Second,
			jitter: 5 * time.Millisecond, seed: 11}, want: all, moved: true},
		{name: "audio and video from two goroutines", send: sender{videoSeq: 60000, audioSeq: 30000, videoTS: 1 << 31,
			audioTS: 1 << 30, jitter: 5 * time.Millisecond, seed: 6}, concurrent: true, want: all},
		{name: "camera and microphone pause for 2 s", send: sender{videoSeq: 10, audioSeq: 20, videoTS: 30,
			audioTS: 40, pauseFrom: 3990 * time.Millisecond, pauseTo: 5990 * time.Millisecond,
			jitter: 5 * time.Millisecond, seed: 8},
			want: want{frames: len(c.video) - 60, duration: c.duration}},
		{name: "sound packets lost: the rest of the sound stays in step", send: sender{videoSeq: 90, audioSeq: 91,
			videoTS: 92, audioTS: 93, dropAudio: 0.08, jitter: 5 * time.Millisecond, seed: 9}, want: all},
		{name: "stream starts without a keyframe", send: sender{videoSeq: 500, audioSeq: 600, videoTS: 700,
			audioTS: 800, skipFrames: 10, jitter: 5 * time.Millisecond, seed: 7},
			// the first keyframe sent is frame 30, at 1 s
			want: want{frames: len(c.video) - 30, duration: c.duration - time.Second}},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			tk := newTake(t)
			evs := c.events(test.send)
			feed := tk.feed
			if test.concurrent {
				feed = tk.feedConcurrently
			}
			if err := feed(evs); err != nil {
				t.Fatal(err)
			}
			stats := tk.close()
			info, offset := check(t, tk.path, test.want)
			if stats.VideoFrames != info.VideoFrames || stats.Width != c.width || stats.Height != c.height {
				t.Errorf("stats %+v, file has %d frames", stats, info.VideoFrames)
			}
			if test.send.noReports == stats.AlignedByReports {
				t.Errorf("aligned by reports: %v", stats.AlignedByReports)
			}
			if test.moved != (stats.SoundMoved != 0) {
				t.Errorf("the sound was moved by %s when the file was closed", stats.SoundMoved)
			}
			t.Logf("frames %d/%d (%.1f%%), duration %s (want %s, error %.2f%%), A/V offset %s (moved %s), keyframe requests %d, %d bytes",
				info.VideoFrames, test.want.frames, 100*float64(info.VideoFrames)/float64(test.want.frames),
				info.Duration, test.want.duration,
				100*float64((info.Duration-test.want.duration).Abs())/float64(test.want.duration), offset, stats.SoundMoved,
				stats.KeyframeRequests, stats.Bytes)
		})
	}
}

// Lost and reordered packets: no frame broken by loss is written (each written frame is byte for byte one the
// sender encoded, and after a gap comes a keyframe), keyframes are asked for, at most every 500 ms, and the file
// decodes without an error.
func TestLossAndReorder(t *testing.T) {
	t.Parallel()
	c := mainClip
	tk := newTake(t)
	evs := c.events(sender{videoSeq: 65000, audioSeq: 100, videoTS: 1<<32 - videoRate, audioTS: 42,
		dropVideo: 0.05, swap: 0.1, jitter: 5 * time.Millisecond, seed: 11})
	if err := tk.feed(evs); err != nil {
		t.Fatal(err)
	}
	stats := tk.close()
	if err := mediacheck.Decode(tk.path); err != nil {
		t.Fatalf("the recording does not decode: %v", err)
	}

	// Frames are matched by content; the flash keyframes are all alike, so among equal ones the one whose capture
	// time fits the block's timestamp wins (the file's time 0 is the first keyframe written).
	index := map[string][]int{}
	for i, f := range c.video {
		index[string(f.data)] = append(index[string(f.data)], i)
	}
	var video []block
	for _, b := range readBlocks(t, tk.path) {
		if b.track == videoTrack {
			video = append(video, b)
		}
	}
	origin := time.Duration(-1)
	for _, b := range video {
		if m := index[string(b.data)]; len(m) == 1 {
			origin = c.video[m[0]].at - time.Duration(b.ms)*time.Millisecond
			break
		}
	}
	prev, written := -1, 0
	for _, b := range video {
		i, ok := -1, false
		for _, j := range index[string(b.data)] {
			d := c.video[j].at - origin - time.Duration(b.ms)*time.Millisecond
			if d.Abs() < 10*time.Millisecond {
				i, ok = j, true
			}
		}
		switch {
		case !ok:
			t.Fatalf("video frame at %d ms is not one the sender encoded: broken by loss", b.ms)
		case i <= prev:
			t.Fatalf("frame %d written after frame %d", i, prev)
		case i != prev+1 && !c.video[i].key:
			t.Fatalf("frame %d follows frame %d: frames in between are missing, it cannot be decoded", i, prev)
		case b.key != c.video[i].key:
			t.Fatalf("frame %d: keyframe flag %v", i, b.key)
		}
		prev = i
		written++
	}
	if written == 0 || written != stats.VideoFrames || stats.DroppedFrames == 0 {
		t.Errorf("%d frames written, stats %+v", written, stats)
	}

	tk.mu.Lock()
	requests := tk.requests
	tk.mu.Unlock()
	if len(requests) == 0 || len(requests) != stats.KeyframeRequests {
		t.Fatalf("%d keyframe requests, stats say %d", len(requests), stats.KeyframeRequests)
	}
	for i := 1; i < len(requests); i++ {
		if d := requests[i] - requests[i-1]; d < 500*time.Millisecond {
			t.Errorf("keyframe requests %s apart (< 500 ms)", d)
		}
	}
	t.Logf("%d of %d frames written intact (%d dropped), %d keyframe requests", written, len(c.video),
		stats.DroppedFrames, len(requests))
}

// A keyframe with a new size (the camera switched) keeps the file playable: the track header keeps the first
// size and the decoder follows the frames.
func TestResolutionChange(t *testing.T) {
	t.Parallel()
	small, err := loadClip(smallDir)
	if err != nil {
		t.Fatal(err)
	}
	// 640x480 for 5 s, then 320x240 for 3 s
	joined := &clip{width: mainClip.width, height: mainClip.height}
	first := 5 * time.Second
	joined.video = append(joined.video, mainClip.video[:150]...)
	for _, a := range mainClip.audio {
		if a.at < first {
			joined.audio = append(joined.audio, a)
		}
	}
	for _, f := range small.video {
		f.at += first
		joined.video = append(joined.video, f)
	}
	for _, a := range small.audio[1:] { // the first packet's pre-skip overlaps the last one of the first clip
		a.at += first
		joined.audio = append(joined.audio, a)
	}
	joined.duration = first + small.duration

	tk := newTake(t)
	if err := tk.feed(joined.events(sender{videoSeq: 7, audioSeq: 8, videoTS: 9, audioTS: 10, seed: 12})); err != nil {
		t.Fatal(err)
	}
	stats := tk.close()
	if stats.Resizes != 1 || stats.Width != 640 || stats.Height != 480 {
		t.Errorf("stats %+v: want one resize, header 640x480", stats)
	}
	info, offset := check(t, tk.path, want{frames: len(joined.video), duration: joined.duration})
	if info.Width != 640 || info.Height != 480 {
		t.Errorf("stream size %dx%d, want the first keyframe's 640x480", info.Width, info.Height)
	}
	t.Logf("%d frames, duration %s, A/V offset %s", info.VideoFrames, info.Duration, offset)
}

// A sender that sends keyframes only when asked (as browsers do) is asked for one about every 2 s of video, so
// that clusters, the file's seek points, stay short; requests are never closer than 500 ms.
func TestPeriodicKeyframeRequests(t *testing.T) {
	t.Parallel()
	dir, err := testtool.Media(testmedia.Spec{Seconds: 5, Width: 640, Height: 480, FPS: 30, KeyframeInterval: 1000})
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadClip(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := 0
	for _, f := range c.video {
		if f.key {
			keys++
		}
	}
	if keys != 1 {
		t.Fatalf("%d keyframes in the clip, want 1", keys)
	}
	tk := newTake(t)
	if err := tk.feed(c.events(sender{seed: 71})); err != nil {
		t.Fatal(err)
	}
	stats := tk.close()
	if stats.VideoFrames != len(c.video) {
		t.Errorf("%d of %d frames", stats.VideoFrames, len(c.video))
	}
	tk.mu.Lock()
	requests := tk.requests
	tk.mu.Unlock()
	// the first keyframe arrives at 45 ms; asking starts once a frame is more than 2 s after it
	if len(requests) == 0 || requests[0] < 2*time.Second || requests[0] > 2200*time.Millisecond {
		t.Fatalf("keyframe requests at %v, want the first at ~2.1 s", requests)
	}
	for i := 1; i < len(requests); i++ {
		if d := requests[i] - requests[i-1]; d < 500*time.Millisecond || d > 600*time.Millisecond {
			t.Errorf("requests %s apart, want 500 ms while no keyframe comes", d)
		}
	}
	if err := mediacheck.Decode(tk.path); err != nil {
		t.Fatal(err)
	}
}

// Create never overwrites a file.
func TestCreateDoesNotOverwrite(t *testing.T) {
	tk := newTake(t)
	if _, err := Create(tk.root, tk.name, Config{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing take: %v", err)
	}
	if _, err := Create(tk.root, "../outside.webm", Config{}); err == nil {
		t.Error("Create outside the root succeeded")
	}
	stats := tk.close()
	if stats != (Stats{KeyframeRequests: stats.KeyframeRequests}) {
		t.Errorf("stats of an empty take: %+v", stats)
	}
	if again, err := tk.rec.Close(); err != nil || again != stats {
		t.Errorf("second Close: %+v, %v", again, err)
	}
	if err := tk.rec.WriteRTP(Video, &rtp.Packet{}); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteRTP after Close: %v", err)
	}
}

// A take without any video (no camera) is recorded as sound only after a few seconds, from its first packet.
func TestSoundOnly(t *testing.T) {
	t.Parallel()
	tk := newTake(t)
	var evs []event
	for _, e := range mainClip.events(sender{seed: 81}) {
		if e.kind == Audio {
			evs = append(evs, e)
		}
	}
	if err := tk.feed(evs); err != nil {
		t.Fatal(err)
	}
	stats := tk.close()
	if err := mediacheck.Decode(tk.path); err != nil {
		t.Fatal(err)
	}
	info, err := mediacheck.Probe(tk.path)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Streams) != 1 || info.AudioPackets != len(mainClip.audio) || !info.Seekable ||
		(info.Duration-mainClip.duration).Abs() > 100*time.Millisecond || stats.AudioFrames != len(mainClip.audio) {
		t.Errorf("sound-only file: %+v, stats %+v", info, stats)
	}
}
