package recorder

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/at-wat/ebml-go/webm"
)

const (
	videoTrack = 1 // the main track: clusters start on its keyframes
	audioTrack = 2

	cuesReserve      = 32 << 10 // room for ~1600 cue points at the front; more are thinned out, not lost
	minCluster       = 500      // ms: a keyframe sooner than this after a cluster start joins that cluster
	maxCluster       = 0x7fff   // ms: a SimpleBlock's relative timestamp is 16 bits
	audioOnlyCluster = 2000     // ms: cluster length of a sound-only file
	opusSeekPreRoll  = 80 * time.Millisecond
)

// muxer turns the recorder's frames into the blocks of one WebM file.
type muxer struct {
	audioOnly     bool
	vRef, aRef    int64 // ext timestamps at file time 0
	width, height int

	// Where the sound sits against the picture, decided once (Recorder.soundShift).
	shiftSet  bool
	shift     time.Duration
	byReports bool

	w                  *webmWriter
	videoNum, audioNum uint64 // track numbers in the file
	stats              Stats
	lastMs             int64 // newest timestamp written, any track
	trackMs            [2]int64
	wroteAny           [2]bool
}

// trackEntries describes the file's tracks: VP8 (first keyframe's size) and Opus, 48 kHz, 2 channels as browsers
// send it.
func trackEntries(width, height int, withVideo bool) []webm.TrackEntry {
	var tracks []webm.TrackEntry
	if withVideo {
		tracks = append(tracks, webm.TrackEntry{
			Name: "Video", TrackNumber: videoTrack, TrackUID: trackUID(), CodecID: "V_VP8", TrackType: 1,
			Video: &webm.Video{PixelWidth: uint64(width), PixelHeight: uint64(height)},
		})
	}
	number := uint64(audioTrack)
	if !withVideo {
		number = 1
	}
	tracks = append(tracks, webm.TrackEntry{
		Name: "Audio", TrackNumber: number, TrackUID: trackUID(), CodecID: "A_OPUS", TrackType: 2,
		CodecPrivate: opusHead(2), SeekPreRoll: uint64(opusSeekPreRoll),
		Audio: &webm.Audio{SamplingFrequency: 48000, Channels: 2},
	})
	return tracks
}

func trackUID() uint64 { return rand.Uint64() | 1 }

// open writes the file header.
func (m *muxer) open(out *sink) error {
	var err error
	if m.audioOnly {
		m.audioNum = 1
		m.w, err = newWebmWriter(out, trackEntries(0, 0, false), m.audioNum, audioOnlyCluster, audioOnlyCluster,
			time.Now())
	} else {
		m.videoNum, m.audioNum = videoTrack, audioTrack
		m.w, err = newWebmWriter(out, trackEntries(m.width, m.height, true), videoTrack, minCluster, maxCluster,
			time.Now())
	}
	if err != nil {
		return fmt.Errorf("start WebM writer: %w", err)
	}
	m.stats.Width, m.stats.Height = m.width, m.height
	return nil
}

// blockMs is the timestamp a frame at file time at gets, before it is kept in order.
func blockMs(at time.Duration) int64 {
	if at < 0 {
		return int64((at - time.Millisecond/2) / time.Millisecond)
	}
	return int64((at + time.Millisecond/2) / time.Millisecond)
}

// fits reports whether a frame of kind at file time at can be written at that time, not nudged forward.
func (m *muxer) fits(kind Kind, at time.Duration) bool {
	ms := blockMs(at)
	return ms >= m.lastMs && (!m.wroteAny[kind] || ms > m.trackMs[kind])
}

// write appends one frame at file time at. Timestamps are kept strictly increasing per track and never older
// than what is already written (a frame that arrives later than the other track's holdback is nudged forward,
// not dropped).
func (m *muxer) write(kind Kind, f *frame, at time.Duration) {
	ms := blockMs(at)
	if kind == Audio && !m.wroteAny[Audio] && at < 0 && !m.audioOnly {
		return // sound from before the first picture
	}
	if m.wroteAny[kind] && ms <= m.trackMs[kind] {
		ms = m.trackMs[kind] + 1
	}
	if ms < m.lastMs {
		ms = m.lastMs
	}
	num, key := m.videoNum, f.key
	if kind == Audio {
		num, key = m.audioNum, true // every Opus packet decodes on its own
	}
	if !m.w.block(num, key, ms, f.data) {
		return
	}
	m.trackMs[kind], m.lastMs = ms, max(m.lastMs, ms)
	d := time.Duration(ms) * time.Millisecond
	if kind == Video {
		if !m.wroteAny[Video] {
			m.stats.FirstVideo = d
		}
		m.stats.VideoFrames++
	} else {
		if !m.wroteAny[Audio] {
			m.stats.FirstAudio = d
		}
		m.stats.AudioFrames++
	}
	m.wroteAny[kind] = true
}

// close finishes the file: Cues and Duration. Idempotent.
func (m *muxer) close() Stats {
	m.w.finish()
	s := m.stats
	if s.VideoFrames+s.AudioFrames > 0 {
		s.Duration = time.Duration(m.lastMs) * time.Millisecond
	}
	return s
}

// sink is the file under the WebM writer. It buffers small writes, hands them to the file when 64 KiB are
// buffered and at least every flushInterval (a timer, so that a stalled take is on disk too), and syncs on that
// timer and at the end. It never returns a write error to the writer: the first error is kept, later bytes are
// dropped, and the recorder fails the take.
type sink struct {
	mu      sync.Mutex
	f       *os.File
	buf     []byte
	written int64
	err     error
	timer   *time.Timer
	closed  bool
	syncing sync.WaitGroup
}

const sinkBuffer = 64 << 10

func newSink(f *os.File) *sink {
	return &sink{f: f, buf: make([]byte, 0, sinkBuffer)}
}

// Write appends p to the file. The buffer never grows: what does not fit goes to the file first, and a piece as
// large as the buffer goes to the file directly.
func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || s.closed {
		return len(p), nil
	}
	if len(s.buf)+len(p) > cap(s.buf) {
		s.flushLocked()
	}
	if len(p) >= cap(s.buf) {
		s.writeLocked(p)
	} else {
		s.buf = append(s.buf, p...)
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(flushInterval, s.tick)
	}
	return len(p), nil
}

// WriteAt overwrites bytes already appended: the WebM writer fills in Cues and Duration at the end.
func (s *sink) WriteAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || s.closed {
		return len(p), nil
	}
	s.flushLocked()
	if s.err == nil {
		if _, err := s.f.WriteAt(p, off); err != nil {
			s.err = err
		}
	}
	return len(p), nil
}

// called locked
func (s *sink) flushLocked() {
	if len(s.buf) > 0 {
		s.writeLocked(s.buf)
		s.buf = s.buf[:0]
	}
}

// called locked
func (s *sink) writeLocked(p []byte) {
	if s.err != nil {
		return
	}
	n, err := s.f.Write(p)
	s.written += int64(n)
	if err != nil {
		s.err = err
	}
}

// tick runs on the timer: buffered bytes go to the file, and the file to the disk.
func (s *sink) tick() {
	s.mu.Lock()
	s.timer = nil
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.flushLocked()
	failed := s.err != nil
	s.syncing.Add(1)
	s.mu.Unlock()
	defer s.syncing.Done()
	if !failed {
		// outside the lock: a slow disk must not hold up the packets
		if err := s.f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
			s.fail(err)
		}
	}
}

// fail records an error of the disk.
func (s *sink) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *sink) error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// size is the file's length: everything appended (WriteAt only overwrites).
func (s *sink) size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written
}

// finish flushes, syncs and closes the file. Idempotent.
func (s *sink) finish() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.err
	}
	s.flushLocked()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	s.syncing.Wait() // a tick may be syncing
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		if err := s.f.Sync(); err != nil {
			s.err = err
		}
	}
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = err
	}
	return s.err
}
