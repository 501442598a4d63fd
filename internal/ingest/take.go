package ingest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"github.com/takeone/takeone/internal/recorder"
	"github.com/takeone/takeone/internal/rtc"
	"github.com/takeone/takeone/pb_migrations"
)

// endReason says why a take ended; it decides the answer's status.
type endReason int

const (
	endDelete       endReason = iota // the client said it is done
	endTimeLimit                     // the question's time ran out
	endDisconnected                  // the connection was gone for too long
	endNoConnection                  // nobody connected in time
	endShutdown                      // the server is stopping
	endFailed                        // recording failed (e.g. the disk is full)
	endIdle                          // connected, but no media for too long after it stopped
	endReplaced                      // a new take of the same owner replaces this unstored one
)

func (r endReason) String() string {
	return [...]string{"delete", "time limit", "disconnected", "no connection", "shutdown", "recording failed",
		"no media", "replaced"}[r]
}

var (
	errPublished = errors.New("this take already has a connection; use PATCH on its session for an ICE restart")
	errEnded     = errors.New("this take has ended")
)

// gatherTimeout bounds the wait for our own ICE candidates; host candidates on one muxed port come at once.
const gatherTimeout = 5 * time.Second

// When the client ends a take, what it sent before may still be on its way: packets the readers have not reached
// yet (a busy server reads late), the rest of the last frame, and retransmissions of packets lost near the end.
// The take waits until the readers have been quiet for settleQuiet with nothing missing, or while packets are
// missing, until nothing has arrived for settleIdle; at most settleMax (the recorder itself gives up a missing
// video packet after 1 s: this is a recording, not a call). Clients stop sending before they end a take (the
// candidate's page detaches its tracks); one that goes on sending is cut at settleMax. settleIdle is several NACK
// rounds: at 5 % loss one hole in ten needs a second NACK (the first, or its retransmission, lost), each round a
// NACK interval (100 ms) and a round trip, and a busy sender answers late.
const (
	settleQuiet = 200 * time.Millisecond
	settleIdle  = 750 * time.Millisecond
	settleMax   = 1250 * time.Millisecond
	settlePoll  = 20 * time.Millisecond
)

// take is one recording attempt: its WHIP session, peer connection and recorder, and the goroutine that ends it.
type take struct {
	in    *Ingest
	id    string // named by its destination: an answer's id, or a random one
	owner Owner
	dest  Destination
	token string
	limit time.Duration

	ctx    context.Context // cancelled when the take ends: stops its readers
	cancel context.CancelFunc
	endCh  chan endReason // first reason wins
	stateC chan webrtc.PeerConnectionState
	clock  clock
	// lastMedia is when the newest RTP packet arrived (unix ns): the time limit counts up to it
	lastMedia atomic.Int64
	// waiting is set while the take waits for media (before the first packet, and while paused); the packet that
	// finds it set clears it and sends its arrival on wake
	waiting atomic.Bool
	wake    chan time.Time
	over    atomic.Bool                // the take has ended (it may still be saving)
	done    chan struct{}              // closed once the take is saved
	status  pb_migrations.AnswerStatus // the take's final status, set before done closes
	camera  *Camera                    // what the page's camera gives; nil when the page did not say
	whole   bool                       // the live recording kept all of it; set before done closes
	stalled bool                       // media stopped for StallAfter at least once; run's goroutine only
	length  time.Duration              // of the recording; set before done closes

	mu        sync.Mutex // guards what follows
	pc        *webrtc.PeerConnection
	rec       *recorder.Recorder
	videoSSRC webrtc.SSRC
	trickled  int      // candidates taken by PATCH
	retired   []string // the remote ufrags ICE restarts replaced
	ended     bool
	readers   sync.WaitGroup
}

func newTake(in *Ingest, owner Owner, dest Destination, limit time.Duration) *take {
	ctx, cancel := context.WithCancel(in.ctx)
	t := &take{
		in:     in,
		id:     dest.takeID(),
		owner:  owner,
		dest:   dest,
		token:  newWHIPToken(),
		limit:  limit,
		ctx:    ctx,
		cancel: cancel,
		endCh:  make(chan endReason, 1),
		stateC: make(chan webrtc.PeerConnectionState, 16),
		clock:  clock{limit: limit},
		wake:   make(chan time.Time, 1),
		done:   make(chan struct{}),
	}
	t.waiting.Store(true) // for the first packet
	return t
}

// authorized reports whether an Authorization header carries this take's token.
func (t *take) authorized(header string) bool {
	token, ok := bearerToken(header)
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(t.token)) == 1
}

// bearerToken takes the token out of an "Authorization: Bearer TOKEN" header.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != "" && !strings.ContainsAny(token, " \t")
}

// end asks the take to end; the first reason wins and later calls do nothing.
func (t *take) end(reason endReason) {
	select {
	case t.endCh <- reason:
	default:
	}
}

// limitSlack is how long after the last packet the time limit may end a take at once. A longer silence may be
// the start of a stall that is not charged, so the limit waits until the stall is decided.
const limitSlack = 250 * time.Millisecond

// run owns the take's timers and ends it: no connection in time (or no media long after connecting), the time
// limit, a connection gone for too long, media stopped for too long, or an explicit end. The limit counts only the
// time media arrives (clock.go): it pauses when no packet has arrived for StallAfter, charging up to the last
// packet, and resumes with the next packet.
func (t *take) run() {
	defer t.in.wg.Done()
	cfg := t.in.cfg
	total := t.limit + cfg.Grace
	// idle ends a take without media: nobody connected (ConnectTimeout), connected and never sending, or stopped
	// sending while connected (IdleTimeout)
	idle := time.NewTimer(cfg.ConnectTimeout)
	defer idle.Stop()
	limit := stoppedTimer() // the rest of the time limit, while media arrives
	defer limit.Stop()
	stall := stoppedTimer() // StallAfter after the last packet, while media arrives
	defer stall.Stop()
	disconnect := stoppedTimer() // DisconnectTimeout after the connection dropped
	defer disconnect.Stop()
	var (
		started bool          // media has arrived
		down    bool          // the connection dropped: disconnect runs
		charged time.Duration // by the segments that ended
	)
	resume := func(at time.Time) {
		idle.Stop()
		t.clock.run(at)
		started = true
		limit.Reset(time.Until(at.Add(total - charged)))
		stall.Reset(time.Until(at.Add(cfg.StallAfter)))
	}
	// stalled checks whether no packet has arrived since StallAfter; if so it pauses the clock at the last packet
	// and waits for the next (which may have arrived meanwhile: it resumes at once then)
	stalled := func() bool {
		last := t.lastPacket()
		if time.Since(last) < cfg.StallAfter {
			return false
		}
		t.waiting.Store(true)
		var next time.Time
		if newer := t.lastPacket(); newer.After(last) { // a packet came while we decided
			if t.waiting.CompareAndSwap(true, false) {
				next = newer
			} else {
				next = <-t.wake // its reader saw waiting set: its send is on the way
			}
		}
		charged = t.clock.pause(last)
		t.stalled = true // read by finish, on this goroutine
		limit.Stop()
		stall.Stop()
		idle.Reset(cfg.IdleTimeout)
		if !next.IsZero() {
			resume(next)
		}
		return true
	}
	var reason endReason
loop:
	for {
		select {
		case reason = <-t.endCh:
			break loop
		case <-idle.C:
			reason = endNoConnection
			if started {
				reason = endIdle
			}
			break loop
		case at := <-t.wake: // the first packet, or the first after a stall
			resume(at)
		case <-stall.C:
			if !stalled() {
				stall.Reset(time.Until(t.lastPacket().Add(cfg.StallAfter)))
			}
		case <-limit.C:
			switch gap := time.Since(t.lastPacket()); {
			case gap < limitSlack:
				reason = endTimeLimit
				break loop
			case !stalled(): // silent for a moment: decide when a stall would be called
				limit.Reset(cfg.StallAfter - gap)
			}
		case <-disconnect.C:
			reason = endDisconnected
			break loop
		case state := <-t.stateC:
			switch state {
			case webrtc.PeerConnectionStateConnected:
				if !started {
					idle.Reset(cfg.IdleTimeout) // connected ahead of recording: wait for media, not forever
				}
				disconnect.Stop()
				down = false
			case webrtc.PeerConnectionStateDisconnected, webrtc.PeerConnectionStateFailed:
				if !down { // media stopped long before: the clock is paused
					disconnect.Reset(cfg.DisconnectTimeout)
					down = true
				}
			case webrtc.PeerConnectionStateClosed:
				reason = endDisconnected
				break loop
			}
		}
	}
	t.finish(reason)
}

// stoppedTimer is a timer that has not been started: Reset starts it.
func stoppedTimer() *time.Timer {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	return timer
}

// publish answers the client's SDP offer: a receive-only peer connection that feeds a new recorder.
func (t *take) publish(offer string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return "", errEnded
	}
	if t.pc != nil {
		return "", errPublished
	}
	rec, err := recorder.Create(t.in.root, t.in.fileName(t.id), recorder.Config{
		RequestKeyframe: t.requestKeyframe,
		Logger:          t.in.app.Logger().With("take", t.id),
	})
	if err != nil {
		return "", fmt.Errorf("create the recording: %w", err)
	}
	pc, err := t.in.engine.API().NewPeerConnection(t.in.engine.Configuration())
	if err != nil {
		rec.Close()
		return "", fmt.Errorf("create the peer connection: %w", err)
	}
	pc.OnTrack(t.onTrack)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		select {
		case t.stateC <- s:
		case <-t.ctx.Done():
		}
	})
	answer, err := negotiate(pc, webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer})
	if err != nil {
		pc.Close()
		rec.Close()
		return "", err
	}
	t.pc, t.rec = pc, rec
	return answer, nil
}

// negotiate sets the remote offer and returns our answer with every local candidate in it (no trickle needed), and
// the bitrates a browser's encoder should start at (rtc.TuneAnswer).
func negotiate(pc *webrtc.PeerConnection, offer webrtc.SessionDescription) (string, error) {
	if err := pc.SetRemoteDescription(offer); err != nil {
		return "", fmt.Errorf("the offer cannot be used: %w", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("no answer to this offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("set the answer: %w", err)
	}
	select {
	case <-gathered:
	case <-time.After(gatherTimeout):
	}
	return rtc.TuneAnswer(pc.LocalDescription().SDP), nil
}

// onTrack starts the readers of one incoming track. Called by pion.
func (t *take) onTrack(track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	kind := recorder.Audio
	switch {
	case strings.EqualFold(track.Codec().MimeType, webrtc.MimeTypeVP8):
		kind = recorder.Video
	case strings.EqualFold(track.Codec().MimeType, webrtc.MimeTypeOpus):
	default:
		return // negotiation allows only VP8 and Opus
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return
	}
	if kind == recorder.Video {
		t.videoSSRC = track.SSRC()
	}
	rec := t.rec
	t.readers.Add(2)
	go func() {
		defer t.readers.Done()
		var cut limitCut
		for {
			pkt, _, err := track.ReadRTP()
			if err != nil {
				return
			}
			now := time.Now()
			t.lastMedia.Store(now.UnixNano())
			if t.waiting.Load() && t.waiting.CompareAndSwap(true, false) {
				select { // run() takes every wake before it sets waiting again: the buffer is free
				case t.wake <- now:
				case <-t.ctx.Done():
				}
			}
			if !cut.keep(pkt.Timestamp, cut.over || t.clock.pastLimit(now)) {
				continue
			}
			if err := rec.WriteRTP(kind, pkt); err != nil {
				t.in.app.Logger().Error("recording failed", "take", t.id, "error", err)
				t.end(endFailed)
				return
			}
		}
	}()
	go func() {
		defer t.readers.Done()
		for {
			pkts, _, err := receiver.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok {
					rec.WriteSenderReport(kind, sr)
				}
			}
		}
	}()
	if kind == recorder.Video {
		go t.requestKeyframe()
	}
}

// requestKeyframe asks the sender for a keyframe; the recorder rate-limits the calls.
func (t *take) requestKeyframe() {
	t.mu.Lock()
	pc, ssrc := t.pc, t.videoSSRC
	t.mu.Unlock()
	if pc == nil || ssrc == 0 {
		return
	}
	_ = pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}})
}

// finish stops the connection and the readers, closes the file and hands it to the take's destination. Runs once,
// on the take's own goroutine.
func (t *take) finish(reason endReason) {
	t.over.Store(true)
	t.mu.Lock()
	t.ended = true
	pc, rec := t.pc, t.rec
	t.mu.Unlock()

	if reason == endDelete && rec != nil {
		t.settle(rec)
	}
	t.cancel()
	if pc != nil {
		pc.Close() // ends the readers' ReadRTP and ReadRTCP
	}
	t.readers.Wait()

	var stats recorder.Stats
	var recErr error
	if rec != nil {
		stats, recErr = rec.Close()
	}
	o := outcome{status: pb_migrations.AnswerComplete, withFile: true}
	switch {
	case reason == endFailed || recErr != nil:
		// keep what reached the disk: repaired now if possible, else left for the next start
		if stats, recErr = recorder.Repair(t.in.root, t.in.fileName(t.id)); recErr == nil && stats.Bytes > 0 {
			o.status = pb_migrations.AnswerInterrupted
		} else {
			o.status, o.withFile = pb_migrations.AnswerFailed, false
			t.in.app.Logger().Error("a failed take cannot be repaired; its file stays in the recordings dir",
				"take", t.id, "file", t.in.filePath(t.id), "error", recErr)
		}
	case stats.VideoFrames == 0 && stats.AudioFrames == 0:
		o.status, o.withFile = pb_migrations.AnswerFailed, false // nothing was recorded
		if rec != nil {
			_ = t.in.root.Remove(t.in.fileName(t.id)) // only a header
		}
	case reason == endDisconnected || reason == endShutdown || reason == endNoConnection || reason == endIdle ||
		reason == endReplaced:
		o.status = pb_migrations.AnswerInterrupted
	}
	o.stats = stats
	t.dest.save(t.in, t, o)
	t.status, t.length = o.status, stats.Duration
	t.whole = !t.stalled && whole(t.camera, o.status, stats)

	t.in.mu.Lock()
	delete(t.in.takes, t.id)
	t.in.mu.Unlock()
	close(t.done)
	t.in.app.Logger().Info("take ended", "take", t.id, "reason", reason.String(), "status", o.status,
		"duration", stats.Duration.String(), "bytes", stats.Bytes)
}

// settle lets the packets still on their way when the client said it is done reach the recorder.
func (t *take) settle(rec *recorder.Recorder) {
	for deadline := time.Now().Add(settleMax); time.Now().Before(deadline); time.Sleep(settlePoll) {
		if rec.Settled(settleIdle) && time.Since(t.lastPacket()) >= settleQuiet {
			return
		}
	}
}

// saveAnswer writes the take's outcome, and its file when there is one, into the answer.
func (in *Ingest) saveAnswer(answerID string, o outcome) error {
	answer, err := in.app.FindRecordById(pb_migrations.Answers, answerID)
	if err != nil {
		return fmt.Errorf("find answer %s: %w", answerID, err)
	}
	answer.Set("status", o.status)
	answer.Set("duration_ms", o.stats.Duration.Milliseconds())
	answer.Set("size_bytes", o.stats.Bytes)
	if !o.withFile {
		if err := in.app.Save(answer); err != nil {
			return fmt.Errorf("save answer %s: %w", answerID, err)
		}
		return nil
	}
	return in.storeFile(answer, "video", fmt.Sprintf("take-%d.webm", answer.GetInt("take")), answerID)
}

// storeFile puts the finished take takeID into rec's file field under name, and saves rec.
func (in *Ingest) storeFile(rec *core.Record, field, name, takeID string) error {
	if !in.app.Settings().S3.Enabled {
		if moved, err := in.storeByRename(rec, field, name, takeID); moved || err != nil {
			return err
		}
	}
	f, err := filesystem.NewFileFromPath(in.filePath(takeID))
	if err != nil {
		return fmt.Errorf("open take file: %w", err)
	}
	f.Name = name
	rec.Set(field, f)
	if err := in.app.Save(rec); err != nil {
		return fmt.Errorf("save %s %s: %w", rec.Collection().Name, rec.Id, err)
	}
	return in.root.Remove(in.fileName(takeID)) // the file now lives in the app's storage
}

// storeByRename moves the file into local storage instead of copying it: it plays at once, without reading and
// writing the whole take again. It reports false (and no error) when the move is not possible, e.g. storage on
// another filesystem; the caller then uploads.
func (in *Ingest) storeByRename(rec *core.Record, field, name, takeID string) (bool, error) {
	dir := filepath.Join(in.app.DataDir(), "storage", rec.BaseFilesPath())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, nil
	}
	dst := filepath.Join(dir, name)
	if err := os.Rename(in.filePath(takeID), dst); err != nil {
		return false, nil
	}
	rec.Set(field, name) // the field's old file, if any, is deleted once this saves
	// validation refuses file names that were not uploaded; this one was written by the recorder itself, and the
	// other fields are the server's own values
	if err := in.app.SaveNoValidate(rec); err != nil {
		_ = os.Rename(dst, in.filePath(takeID)) // back where the next start finds and retries it
		return true, fmt.Errorf("save %s %s: %w", rec.Collection().Name, rec.Id, err)
	}
	return true, nil
}
