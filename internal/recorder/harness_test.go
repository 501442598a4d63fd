package recorder

import (
	"bufio"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/testtool"
)

// Clips of package testmedia: a flash on the first frame of every second and a beep at the same instant.
var (
	mainDir  string // 10 s, 640x480, 30 fps
	mainClip *clip
	smallDir string // 3 s, 320x240, 30 fps: a second size for the resolution change
)

func TestMain(m *testing.M) {
	var err error
	if mainDir, err = testtool.Media(testmedia.Default); err != nil {
		panic(err)
	}
	if smallDir, err = testtool.Media(testmedia.Spec{Seconds: 3, Width: 320, Height: 240, FPS: 30}); err != nil {
		panic(err)
	}
	if mainClip, err = loadClip(mainDir); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// clip is testmedia's clip.ivf and clip.ogg in memory.
type clip struct {
	video    []videoFrame
	audio    []audioPacket
	width    int
	height   int
	duration time.Duration // of the video: frames times frame duration
}

type videoFrame struct {
	at   time.Duration // capture time
	data []byte
	key  bool
}

type audioPacket struct {
	at   time.Duration // when its first sample (after the encoder's pre-skip) is heard; the first is negative
	data []byte
}

func loadClip(dir string) (*clip, error) {
	c := &clip{}
	f, err := os.Open(filepath.Join(dir, "clip.ivf"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ivf, header, err := ivfreader.NewWith(f)
	if err != nil {
		return nil, err
	}
	c.width, c.height = int(header.Width), int(header.Height)
	// the IVF time base is numerator/denominator seconds; ivfreader scales frame timestamps by its inverse
	num, den := uint64(header.TimebaseNumerator), uint64(header.TimebaseDenominator)
	unit := time.Second * time.Duration(num) / time.Duration(den)
	for {
		data, fh, err := ivf.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		pts := fh.Timestamp * num / den
		c.video = append(c.video, videoFrame{at: time.Duration(pts) * unit, data: data, key: data[0]&1 == 0})
	}
	c.duration = time.Duration(len(c.video)) * unit

	g, err := os.Open(filepath.Join(dir, "clip.ogg"))
	if err != nil {
		return nil, err
	}
	defer g.Close()
	ogg, head, err := oggreader.NewWith(g)
	if err != nil {
		return nil, err
	}
	samples := -int(head.PreSkip)
	for {
		page, ph, err := ogg.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if _, ok := ph.HeaderType(page); ok {
			continue // OpusTags
		}
		// 20 ms pages: one 20 ms packet each
		c.audio = append(c.audio, audioPacket{at: time.Duration(samples) * time.Second / audioRate, data: page})
		samples += 960
	}
	return c, nil
}

// sender says how a simulated browser sends a clip.
type sender struct {
	videoSeq, audioSeq uint16
	videoTS, audioTS   uint32
	reportShift        time.Duration // added to audio's NTP times: reports claim the sound was captured later
	reportsFrom        time.Duration // no reports before this capture time
	lateReports        time.Duration // audio reports before lateUntil are sent this late (a busy sender)
	lateUntil          time.Duration
	noReports          bool
	jitter             time.Duration
	skipFrames         int     // video frames not sent at the start
	dropVideo          float64 // fraction of video packets lost
	dropAudio          float64 // fraction of audio packets lost (browsers do not retransmit sound)
	swap               float64 // fraction of packets swapped with their successor
	seed               uint64
	offset             time.Duration // added to every capture time
	pauseFrom, pauseTo time.Duration // nothing captured in between is sent (a camera and a microphone paused)
}

// event is one thing arriving at the recorder.
type event struct {
	at    time.Duration // arrival
	kind  Kind
	pkt   *rtp.Packet
	sr    *rtcp.SenderReport
	frame int // video frame index, -1 for audio and reports
}

const ntpBase = 3_900_000_000 // seconds since 1900: the sender's wall clock at capture time 0

func ntpTime(d time.Duration) uint64 {
	secs := uint64(ntpBase) + uint64(d/time.Second)
	frac := uint64(d%time.Second) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// events packetizes the clip as a browser would: VP8 at 90 kHz in 1200-byte packets, Opus at 48 kHz, sender
// reports every second with one NTP <-> RTP mapping for both tracks, network delay and jitter; sorted by arrival.
func (c *clip) events(s sender) []event {
	rng := rand.New(rand.NewPCG(s.seed, 7))
	jitter := func() time.Duration {
		if s.jitter <= 0 {
			return 0
		}
		return time.Duration(rng.Int64N(int64(s.jitter)))
	}
	const network = 30 * time.Millisecond
	var evs []event
	vp := rtp.NewPacketizerWithOptions(1200, &codecs.VP8Payloader{EnablePictureID: true},
		rtp.NewFixedSequencer(s.videoSeq), videoRate, rtp.WithSSRC(1111), rtp.WithPayloadType(96))
	for i, f := range c.video {
		at := f.at + s.offset
		pkts := vp.Packetize(f.data, 0)
		if i < s.skipFrames || (f.at >= s.pauseFrom && f.at < s.pauseTo) {
			continue
		}
		for j, p := range pkts {
			p.Timestamp = s.videoTS + uint32(durationToTicks(at, videoRate))
			arrival := at + 15*time.Millisecond + network + time.Duration(j)*200*time.Microsecond + jitter()
			evs = append(evs, event{at: arrival, kind: Video, pkt: p, frame: i})
		}
	}
	preSkip := -c.audio[0].at
	ap := rtp.NewPacketizerWithOptions(1200, &codecs.OpusPayloader{}, rtp.NewFixedSequencer(s.audioSeq), audioRate,
		rtp.WithSSRC(2222), rtp.WithPayloadType(111))
	for _, a := range c.audio {
		at := a.at + s.offset
		pkts := ap.Packetize(a.data, 960)
		if a.at >= s.pauseFrom && a.at < s.pauseTo {
			continue
		}
		for _, p := range pkts {
			p.Timestamp = s.audioTS + uint32(durationToTicks(at+preSkip, audioRate))
			arrival := at + 25*time.Millisecond + network + jitter()
			evs = append(evs, event{at: arrival, kind: Audio, pkt: p, frame: -1})
		}
	}
	if !s.noReports {
		for at := s.reportsFrom; at < c.duration+s.offset; at += time.Second {
			late := time.Duration(0)
			if at < s.lateUntil {
				late = s.lateReports
			}
			evs = append(evs,
				event{at: at + network, kind: Video, frame: -1, sr: &rtcp.SenderReport{SSRC: 1111,
					NTPTime: ntpTime(at), RTPTime: s.videoTS + uint32(durationToTicks(at, videoRate))}},
				event{at: at + network + time.Millisecond, kind: Audio, frame: -1, sr: &rtcp.SenderReport{SSRC: 2222,
					NTPTime: ntpTime(at + s.reportShift + late), RTPTime: s.audioTS + uint32(durationToTicks(at+preSkip, audioRate))}})
		}
	}
	slices.SortStableFunc(evs, func(a, b event) int { return int(a.at - b.at) })
	if s.dropVideo > 0 || s.dropAudio > 0 {
		evs = slices.DeleteFunc(evs, func(e event) bool {
			switch {
			case e.pkt == nil:
				return false
			case e.kind == Video:
				return rng.Float64() < s.dropVideo
			default:
				return rng.Float64() < s.dropAudio
			}
		})
	}
	if s.swap > 0 {
		for i := 0; i+1 < len(evs); i++ {
			if evs[i].pkt != nil && evs[i+1].pkt != nil && rng.Float64() < s.swap {
				// the later packet overtakes: arrival times stay in order
				evs[i].at, evs[i+1].at = evs[i+1].at, evs[i].at
				evs[i], evs[i+1] = evs[i+1], evs[i]
				i++
			}
		}
	}
	return evs
}

// clock is the recorder's arrival clock in tests: it shows each packet's simulated arrival time.
type clock struct{ ns atomic.Int64 }

var clockBase = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *clock) now() time.Time         { return clockBase.Add(time.Duration(c.ns.Load())) }
func (c *clock) set(d time.Duration)    { c.ns.Store(int64(d)) }
func (c *clock) elapsed() time.Duration { return time.Duration(c.ns.Load()) }

// take is a recorder under test with its clock and keyframe requests.
type take struct {
	t     *testing.T
	root  *os.Root
	name  string
	path  string
	clock *clock
	rec   *Recorder

	mu       sync.Mutex
	requests []time.Duration // clock at each RequestKeyframe call
}

func newTake(t *testing.T) *take {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	tk := &take{t: t, root: root, name: "take.webm", path: filepath.Join(dir, "take.webm"), clock: &clock{}}
	tk.rec, err = Create(root, tk.name, Config{
		RequestKeyframe: func() {
			tk.mu.Lock()
			tk.requests = append(tk.requests, tk.clock.elapsed())
			tk.mu.Unlock()
		},
		now: tk.clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// feed delivers events in order from one goroutine; it stops at the first WriteRTP error.
func (tk *take) feed(evs []event) error {
	for _, e := range evs {
		tk.clock.set(e.at)
		if e.sr != nil {
			tk.rec.WriteSenderReport(e.kind, e.sr)
			continue
		}
		if err := tk.rec.WriteRTP(e.kind, e.pkt); err != nil {
			return err
		}
	}
	return nil
}

// feedConcurrently delivers audio and video from two goroutines, as the ingest's track readers do, in steps of
// 100 ms of arrival time.
func (tk *take) feedConcurrently(evs []event) error {
	var errs [2]error
	const step = 100 * time.Millisecond
	for from := 0; from < len(evs); {
		end := evs[from].at.Truncate(step) + step
		to := from
		for to < len(evs) && evs[to].at < end {
			to++
		}
		tk.clock.set(end)
		var wg sync.WaitGroup
		for _, kind := range []Kind{Audio, Video} {
			wg.Go(func() {
				for _, e := range evs[from:to] {
					if e.kind != kind || errs[kind] != nil {
						continue
					}
					if e.sr != nil {
						tk.rec.WriteSenderReport(kind, e.sr)
					} else if err := tk.rec.WriteRTP(kind, e.pkt); err != nil {
						errs[kind] = err
					}
				}
			})
		}
		wg.Wait()
		from = to
	}
	return errors.Join(errs[:]...)
}

func (tk *take) close() Stats {
	tk.t.Helper()
	stats, err := tk.rec.Close()
	if err != nil {
		tk.t.Fatalf("Close: %v", err)
	}
	return stats
}

// want is what a finished recording must show.
type want struct {
	frames   int           // video frames sent (from the first keyframe on)
	duration time.Duration // media sent
	offset   time.Duration // A/V offset
}

// check asserts what a viewer would notice, and returns the measured numbers.
func check(t *testing.T, path string, w want) (info mediacheck.Info, offset time.Duration) {
	t.Helper()
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the recording does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if float64(info.VideoFrames) < 0.99*float64(w.frames) {
		t.Errorf("%d of %d video frames (< 99%%)", info.VideoFrames, w.frames)
	}
	if d := (info.Duration - w.duration).Abs(); float64(d) > 0.02*float64(w.duration) {
		t.Errorf("duration %s, want %s within 2%%", info.Duration, w.duration)
	}
	if !info.Seekable {
		t.Error("no Cues: players cannot seek")
	}
	for _, at := range []time.Duration{3 * time.Second, 7 * time.Second} {
		if at < info.Duration {
			if err := mediacheck.SeekFrame(path, at); err != nil {
				t.Errorf("seek to %s: %v", at, err)
			}
		}
	}
	if offset, err = mediacheck.AVOffset(path); err != nil {
		t.Fatal(err)
	}
	if (offset - w.offset).Abs() > 40*time.Millisecond {
		t.Errorf("A/V offset %s, want %s (+-40 ms)", offset, w.offset)
	}
	blocks := readBlocks(t, path)
	if b := blocks[0]; b.track != videoTrack || !b.key || b.ms != 0 {
		t.Errorf("the file starts with track %d at %d ms, keyframe %v: want a video keyframe at 0", b.track, b.ms, b.key)
	}
	// the sound has no holes (20 ms packets, timestamps rounded to 1 ms): a player that plays it packet after
	// packet, as Chrome does, stays in step with the picture after a lost packet
	prev := int64(-1)
	for _, b := range blocks {
		if b.track != audioTrack {
			continue
		}
		if prev >= 0 && b.ms-prev > 21 {
			t.Errorf("the sound has a hole from %d to %d ms", prev, b.ms)
			break
		}
		if prev >= 0 && b.ms-prev < 19 {
			t.Errorf("the sound steps back: a packet at %d ms follows one at %d ms", b.ms, prev)
			break
		}
		prev = b.ms
	}
	// every cluster (a seek point) starts on a video keyframe
	clusterStart := map[int]int64{}
	for i, b := range blocks {
		if i == 0 || b.cluster != blocks[i-1].cluster {
			clusterStart[b.cluster] = b.ms
			if b.track != videoTrack || !b.key {
				t.Errorf("cluster %d starts with track %d at %d ms, keyframe %v", b.cluster, b.track, b.ms, b.key)
			}
		}
	}
	if len(clusterStart) < int(info.Duration/(2*time.Second)) || len(clusterStart) != info.CuePoints {
		t.Errorf("%d clusters, %d cue points for %s", len(clusterStart), info.CuePoints, info.Duration)
	}
	return info, offset
}

// readBlocks reads a WebM file's frames back with the repair scanner.
func readBlocks(t *testing.T, path string) []block {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	sc := &scanner{r: bufio.NewReader(f), size: fi.Size()}
	if err := sc.header(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var out []block
	for {
		var err error
		if out, err = sc.next(out); err != nil {
			return out
		}
	}
}
