package recorder

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// Kind says which track an RTP packet or a sender report belongs to.
type Kind int

const (
	// Audio is the Opus track (48 kHz RTP clock).
	Audio Kind = iota
	// Video is the VP8 track (90 kHz RTP clock).
	Video
)

func (k Kind) String() string {
	switch k {
	case Audio:
		return "audio"
	case Video:
		return "video"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Config holds what a Recorder needs from its caller.
type Config struct {
	// RequestKeyframe is called when video needs a keyframe: at the start, after a lost or broken frame, and
	// every couple of seconds so that clusters (seek points) start on keyframes. The recorder calls it at most
	// once per 500 ms, never while holding its lock. May be nil.
	RequestKeyframe func()
	// Logger receives the take's notable events (start, resolution changes, failures). May be nil.
	Logger *slog.Logger

	// now replaces the clock in tests, so that packets fed faster than real time still "arrive" at their
	// capture time.
	now func() time.Time
}

// Stats describes what a take's file holds.
type Stats struct {
	Duration    time.Duration // the file's Duration element: timestamp of its last frame
	Bytes       int64         // file size
	VideoFrames int
	AudioFrames int
	Width       int // size in the track header: the first keyframe's
	Height      int
	FirstVideo  time.Duration // timestamp of the first video frame (0: the file starts on a keyframe)
	FirstAudio  time.Duration // timestamp of the first audio frame

	// Filled by Close only.
	DroppedFrames    int           // video frames not written: broken by loss, or waiting for a keyframe
	KeyframeRequests int           // calls made to Config.RequestKeyframe
	Resizes          int           // keyframes whose size differs from the previous one
	AlignedByReports bool          // A/V alignment came from RTCP sender reports (else from arrival times)
	SoundMoved       time.Duration // how far Close moved the sound to align it better (0: it stayed put)
}

var (
	// ErrClosed is returned by WriteRTP after Close.
	ErrClosed = errors.New("recorder: take closed")
	// ErrNoMedia is returned by Repair when a file holds no frame at all.
	ErrNoMedia = errors.New("recorder: no media in file")
)

// Tuning. Clock values are arrival (wall) time unless they say media time.
const (
	keyframeMinInterval = 500 * time.Millisecond // rate limit of RequestKeyframe
	keyframeInterval    = 2 * time.Second        // media time between keyframes we ask for: one cluster each
	startHold           = 3 * time.Second        // wait this long at the start for both tracks' sender reports
	audioOnlyAfter      = 5 * time.Second        // no video packet at all by then: record sound only
	holdback            = time.Second            // a frame waits at most this long for the other track
	maxJump             = 10 * time.Second       // an RTP timestamp jump beyond elapsed time + this is a reset
	maxReportSkew       = time.Second            // reports disagreeing with arrival times by more are ignored
	flushInterval       = time.Second            // buffered bytes reach the file at least this often
	realignMin          = 10 * time.Millisecond  // Close moves the sound when it is off by this much or more
)

// Recorder writes one take. Its methods are safe for concurrent use.
type Recorder struct {
	root *os.Root
	name string
	log  *slog.Logger
	now  func() time.Time
	t0   time.Time
	kfFn func()
	out  *sink

	mu sync.Mutex
	// everything below is guarded by mu
	tracks     [2]*track
	mux        *muxer // nil until the first keyframe (or sound only) starts the file
	failed     error
	closed     bool
	closeStats Stats
	closeErr   error

	ntpOrigin uint64 // first NTP time seen: report times are kept relative to it
	haveNTP   bool
	badReport bool // reports and arrival times disagreed (logged once)

	// video state
	waitKey        bool // drop video until a keyframe
	lastKeyExt     int64
	width, height  int // current size
	needKeyframe   bool
	lastKFRequest  time.Duration
	kfRequested    bool
	kfRequests     int
	droppedFrames  int
	resizes        int
	sawVideo       bool
	firstAudioSeen time.Duration
	sawAudio       bool
	lastPacket     time.Duration // arrival of the newest packet, any track
}

// Create makes a new take file name inside root. It never overwrites: an existing name is an error.
//
// Example:
//
//	rec, err := recorder.Create(root, id+".webm", recorder.Config{RequestKeyframe: sendPLI, Logger: log})
//	...
//	rec.WriteRTP(recorder.Video, pkt) // from each track's reader goroutine
//	stats, err := rec.Close()
func Create(root *os.Root, name string, cfg Config) (*Recorder, error) {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create take file %s: %w", name, err)
	}
	r := &Recorder{
		root:    root,
		name:    name,
		log:     cfg.Logger,
		now:     cfg.now,
		kfFn:    cfg.RequestKeyframe,
		waitKey: true,
		// the very first call asks for a keyframe unless one has arrived by then
		needKeyframe: true,
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.t0 = r.now()
	r.out = newSink(f)
	r.tracks[Audio] = newTrack(Audio)
	r.tracks[Video] = newTrack(Video)
	return r, nil
}

// since is the arrival clock: time since Create.
func (r *Recorder) since() time.Duration {
	return r.now().Sub(r.t0)
}

// WriteRTP takes one RTP packet of a track (VP8 90 kHz or Opus 48 kHz). It is safe to call from the audio and
// the video reader goroutines at once, and it never keeps p. It returns an error once the take has failed (for
// example when the disk is full): the caller then ends the take.
func (r *Recorder) WriteRTP(kind Kind, p *rtp.Packet) error {
	if kind != Audio && kind != Video {
		return fmt.Errorf("recorder: unknown track kind %d", int(kind))
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	if r.failed != nil {
		err := r.failed
		r.mu.Unlock()
		return err
	}
	now := r.since()
	if p != nil {
		r.lastPacket = now
		r.push(kind, p, now)
		r.pump(now, false)
	}
	err := r.checkFailed()
	request := r.keyframeDue(now)
	r.mu.Unlock()
	if request && r.kfFn != nil {
		r.kfFn()
	}
	return err
}

// WriteSenderReport gives an RTCP sender report of a track: its NTP <-> RTP timestamp pair aligns sound and
// picture.
func (r *Recorder) WriteSenderReport(kind Kind, sr *rtcp.SenderReport) {
	if sr == nil || (kind != Audio && kind != Video) || sr.NTPTime == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.failed != nil {
		return
	}
	t := r.tracks[kind]
	if !t.haveTS {
		return // the next report will do: its RTP time needs packets to unwrap against
	}
	if !r.haveNTP {
		r.ntpOrigin, r.haveNTP = sr.NTPTime, true
	}
	t.report(t.extOf(sr.RTPTime), ntpDuration(sr.NTPTime-r.ntpOrigin))
	r.pump(r.since(), false)
	_ = r.checkFailed()
}

// Settled reports whether a take its sender has ended has nothing more to wait for: no frame waits for a missing
// packet (it may be late, or its retransmission on the way; the wait for each ends as it does in WriteRTP), or
// no packet has arrived for idle, so whatever was coming has come. A take with nothing missing is settled at once.
// The caller calls it until it reports true, or its own patience runs out, before Close, so that what was sent
// before the end is in the file.
func (r *Recorder) Settled(idle time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.failed != nil {
		return true
	}
	now := r.since()
	waiting := false
	for _, k := range []Kind{Video, Audio} {
		a := r.tracks[k].asm
		for _, f := range a.drain(now, a.next) { // gives up the holes that waited long enough
			r.frame(k, f)
		}
		waiting = waiting || a.waiting()
	}
	r.pump(now, false)
	_ = r.checkFailed()
	return !waiting || now-r.lastPacket >= idle
}

// Close writes what is still buffered, then Cues and Duration, and closes the file. It is idempotent: later calls
// return the first call's result. A take that never received a keyframe (nor enough sound) leaves an empty file
// and zero Stats.
func (r *Recorder) Close() (Stats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.closeStats, r.closeErr
	}
	r.closed = true
	now := r.since()
	if r.failed == nil {
		for _, k := range []Kind{Video, Audio} {
			for _, f := range r.tracks[k].asm.flush(now) {
				r.frame(k, f)
			}
		}
		r.pump(now, true)
	}
	var stats Stats
	if r.mux != nil {
		stats = r.mux.close()
	}
	if cerr := r.out.finish(); cerr != nil && r.failed == nil {
		r.failed = fmt.Errorf("write take %s: %w", r.name, cerr)
	}
	stats.Bytes = r.out.size()
	if r.failed == nil && r.mux != nil && r.mux.shiftSet {
		stats = r.realign(stats)
	}
	err := r.failed
	stats.DroppedFrames = r.droppedFrames
	stats.KeyframeRequests = r.kfRequests
	stats.Resizes = r.resizes
	r.closeStats, r.closeErr = stats, err
	r.log.Info("take closed", "file", r.name, "duration", stats.Duration.String(), "bytes", stats.Bytes,
		"video_frames", stats.VideoFrames, "audio_frames", stats.AudioFrames, "dropped", stats.DroppedFrames,
		"error", err)
	return stats, err
}

// realign moves the sound of the closed file once more when what the take taught after the sound was placed
// (reports that came later, a less late report, a less delayed packet) puts it realignMin or more elsewhere: one
// alignment for the whole file, the best one known at its end. If the rewrite fails, the file keeps the
// alignment it was written with.
// called locked
func (r *Recorder) realign(stats Stats) Stats {
	byReports := r.useReports()
	delta := r.audioShift(byReports) - r.mux.shift
	stats.AlignedByReports = r.mux.byReports
	if delta.Abs() < realignMin || stats.AudioFrames == 0 {
		return stats
	}
	moved, err := rewriteFile(r.root, r.name, delta, false)
	if err != nil {
		r.log.Warn("the sound could not be realigned: the file keeps the alignment it was written with",
			"file", r.name, "error", err)
		return stats
	}
	r.log.Info("sound realigned", "file", r.name, "moved", delta.String(), "aligned_by_reports", byReports)
	stats.Duration, stats.Bytes = moved.Duration, moved.Bytes
	stats.VideoFrames, stats.AudioFrames = moved.VideoFrames, moved.AudioFrames
	stats.FirstVideo, stats.FirstAudio = moved.FirstVideo, moved.FirstAudio
	stats.AlignedByReports, stats.SoundMoved = byReports, delta
	return stats
}

// checkFailed turns a write error of the file into the take's failure.
// called locked
func (r *Recorder) checkFailed() error {
	if r.failed == nil {
		if err := r.out.error(); err != nil {
			r.failed = fmt.Errorf("write take %s: %w", r.name, err)
			r.log.Error("recording failed", "file", r.name, "error", err)
		}
	}
	return r.failed
}

// push unwraps, reorders and assembles one packet; complete frames go on.
// called locked
func (r *Recorder) push(kind Kind, p *rtp.Packet, now time.Duration) {
	t := r.tracks[kind]
	if kind == Video {
		r.sawVideo = true
	} else if !r.sawAudio {
		r.sawAudio, r.firstAudioSeen = true, now
	}
	ext, reset := t.unwrap(p.Timestamp, now)
	if reset {
		r.log.Warn("RTP timestamps jumped: timeline re-anchored on arrival time", "track", kind.String())
	}
	t.observe(ext, now)
	for _, f := range t.asm.push(p, ext, now) {
		r.frame(kind, f)
	}
}

// frame checks a complete frame and queues it for the file.
// called locked
func (r *Recorder) frame(kind Kind, f *frame) {
	t := r.tracks[kind]
	if kind == Audio {
		// a lost audio packet is only a short gap, filled so that the sound stays in step: nothing depends on it
		if validOpus(f.data) {
			t.noteHole(f)
			t.queue = append(t.queue, f)
		}
		return
	}
	if r.mux != nil && r.mux.audioOnly {
		return
	}
	key, w, h, ok := parseVP8(f.data)
	if f.lost || !ok {
		// what follows a lost or broken frame cannot be decoded until the next keyframe
		r.waitKey = true
		r.needKeyframe = true
	}
	if !ok {
		r.droppedFrames++
		return
	}
	if r.waitKey && !key {
		r.droppedFrames++
		r.needKeyframe = true
		return
	}
	if key {
		r.waitKey = false
		r.needKeyframe = false
		r.lastKeyExt = f.ext
		if r.width != 0 && (w != r.width || h != r.height) {
			r.resizes++
			r.log.Info("video size changed", "file", r.name, "from", fmt.Sprintf("%dx%d", r.width, r.height),
				"to", fmt.Sprintf("%dx%d", w, h))
		}
		r.width, r.height = w, h
		f.key, f.width, f.height = true, w, h
	} else if f.ext-r.lastKeyExt > durationToTicks(keyframeInterval, videoRate) {
		r.needKeyframe = true // so that the next cluster, a seek point, can start
	}
	t.queue = append(t.queue, f)
}

// keyframeDue says whether to call RequestKeyframe now, at most once per keyframeMinInterval.
// called locked
func (r *Recorder) keyframeDue(now time.Duration) bool {
	if !r.needKeyframe || (r.mux != nil && r.mux.audioOnly) {
		return false
	}
	if r.kfRequested && now-r.lastKFRequest < keyframeMinInterval {
		return false
	}
	r.kfRequested, r.lastKFRequest = true, now
	r.kfRequests++
	r.log.Debug("keyframe requested", "file", r.name)
	return true
}

// useReports says whether both tracks have sender reports that agree with arrival times.
// called locked
func (r *Recorder) useReports() bool {
	a, v := r.tracks[Audio], r.tracks[Video]
	if !a.haveSR || !v.haveSR || !a.haveTS || !v.haveTS {
		return false
	}
	sr, arr := r.audioShift(true), r.audioShift(false)
	if (sr - arr).Abs() > maxReportSkew {
		if !r.badReport {
			r.badReport = true
			r.log.Warn("sender reports disagree with arrival times; aligning by arrival", "file", r.name,
				"difference", (sr - arr).String())
		}
		return false
	}
	return true
}

// audioShift is the file time of audio RTP timestamp aRef (see track.ref): audio's file time is
// shift + (ext - aRef)/48 kHz. Video's file time is (ext - vRef)/90 kHz, vRef being the first keyframe.
// called locked
func (r *Recorder) audioShift(reports bool) time.Duration {
	a, v := r.tracks[Audio], r.tracks[Video]
	vRef := r.lastKeyExt
	if r.mux != nil {
		vRef = r.mux.vRef
	}
	return a.abs(a.ref, reports) - v.abs(vRef, reports)
}

// soundShift is the audioShift the file is written with. It is decided once, when the first sound is placed,
// from the best basis known then, and kept: a shift that followed every new report would step the sound in the
// middle of the answer. Close moves the sound once more if what it learned by then says otherwise (realign).
// called locked
func (r *Recorder) soundShift() time.Duration {
	m := r.mux
	if !m.shiftSet {
		m.byReports = r.useReports()
		m.shift, m.shiftSet = r.audioShift(m.byReports), true
	}
	return m.shift
}

// fileTime is when frame f (of track kind) plays in the file.
// called locked
func (r *Recorder) fileTime(kind Kind, f *frame) time.Duration {
	return r.fileTimeAt(kind, f.ext)
}

// fileTimeAt is when RTP timestamp ext (unwrapped, of track kind) plays in the file.
// called locked
func (r *Recorder) fileTimeAt(kind Kind, ext int64) time.Duration {
	m := r.mux
	if kind == Video {
		return ticksToDuration(ext-m.vRef, videoRate)
	}
	if m.audioOnly {
		return ticksToDuration(ext-m.aRef, audioRate)
	}
	return r.soundShift() + ticksToDuration(ext-r.tracks[Audio].ref, audioRate)
}

// pump starts the file when it can, then writes queued frames in timestamp order. closing writes everything.
// called locked
func (r *Recorder) pump(now time.Duration, closing bool) {
	a, v := r.tracks[Audio], r.tracks[Video]
	if r.mux == nil {
		switch {
		case len(v.queue) > 0:
			// v.queue starts with a keyframe: waitKey kept anything else out
			bothReports := a.haveSR && v.haveSR
			if !(closing || bothReports || now-v.queue[0].arrival >= startHold) {
				r.trimAudio()
				return
			}
			r.start(false)
		case !r.sawVideo && len(a.queue) > 0 && (closing || now-r.firstAudioSeen >= audioOnlyAfter):
			r.log.Warn("no video received: recording sound only", "file", r.name)
			r.start(true)
		default:
			if r.sawVideo {
				r.trimAudio()
			} // else the sound may become the whole take: audioOnlyAfter bounds the queue
			return
		}
		if r.mux == nil {
			return
		}
	}
	for {
		var k Kind
		switch {
		case len(v.queue) > 0 && len(a.queue) > 0:
			k = Video
			if r.fileTimeAt(Audio, a.queue[0].next()) < r.fileTime(Video, v.queue[0]) {
				k = Audio
			}
		case len(v.queue) > 0:
			k = Video
		case len(a.queue) > 0:
			k = Audio
		default:
			return
		}
		t := r.tracks[k]
		f := t.queue[0]
		if !closing && len(a.queue)+len(v.queue) == len(t.queue) {
			// The other track has nothing queued: wait a little, it may still deliver earlier frames. Frames that
			// span a second already go on, unless the other track's packets wait behind a gap (after an outage,
			// a burst of retransmitted video can outrun the sound that arrived with it).
			newest, other := t.queue[len(t.queue)-1], a
			if k == Audio {
				other = v
			}
			if now-f.arrival < holdback && (ticksToDuration(newest.ext-f.ext, t.rate) < holdback || other.asm.waiting()) {
				return
			}
		}
		if ext := f.next(); ext != f.ext {
			// The hole before f first, a packet at a time, in step with the picture. Filler the file is already
			// past is left out: squeezed in, it would push the sound after it later.
			if at := r.fileTimeAt(Audio, ext); r.mux.fits(Audio, at) {
				r.mux.write(Audio, &frame{ext: ext, arrival: f.arrival, data: []byte{f.fill}}, at)
			}
			f.hole += f.fillStep
		} else {
			t.pop()
			r.mux.write(k, f, r.fileTime(k, f))
			t.asm.recycle(f) // the file has its bytes: the frame's buffer can carry a later one
		}
		if r.out.error() != nil {
			return // the take failed: WriteRTP reports it
		}
	}
}

// trimAudio drops queued audio that is surely older than the keyframe the file will start with.
// called locked
func (r *Recorder) trimAudio() {
	a := r.tracks[Audio]
	if len(a.queue) == 0 {
		return
	}
	newest := a.queue[len(a.queue)-1].ext
	i := 0
	for i < len(a.queue) && ticksToDuration(newest-a.queue[i].ext, audioRate) > holdback+startHold {
		i++
	}
	a.queue = a.queue[i:]
}

// start creates the WebM writer: at the first keyframe, or with an Opus track only.
// called locked
func (r *Recorder) start(audioOnly bool) {
	a, v := r.tracks[Audio], r.tracks[Video]
	m := &muxer{audioOnly: audioOnly}
	if audioOnly {
		m.aRef = a.queue[0].ext
		r.needKeyframe = false
	} else {
		key := v.queue[0]
		m.vRef = key.ext
		m.width, m.height = key.width, key.height
	}
	if err := m.open(r.out); err != nil {
		r.failed = fmt.Errorf("start take %s: %w", r.name, err)
		return
	}
	r.mux = m
	if !audioOnly {
		// sound from before the first picture has no place in a file that starts on a keyframe
		i := 0
		for i < len(a.queue) && r.fileTime(Audio, a.queue[i]) < 0 {
			i++
		}
		a.queue = a.queue[i:]
	}
	r.log.Info("take started", "file", r.name, "width", m.width, "height", m.height, "sound_only", audioOnly)
}
