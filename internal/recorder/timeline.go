package recorder

import (
	"time"
)

const (
	audioRate = 48000 // Opus RTP clock
	videoRate = 90000 // VP8 RTP clock
)

// frame is one complete media frame waiting to be written.
type frame struct {
	ext     int64         // unwrapped RTP timestamp
	arrival time.Duration // when its first packet arrived
	data    []byte
	lost    bool // packets were lost right before it
	key     bool
	width   int // of a keyframe
	height  int

	// Sound only: the hole lost packets left right before this frame, from hole to ext, is filled as the frame is
	// written with one packet (fill: an Opus TOC byte without frame data) per fillStep ticks (noteHole).
	hole     int64
	fillStep int64
	fill     byte
}

// track is the per-track state: RTP timestamp unwrapping, the mappings from RTP time to a common clock, the
// packet assembler and the frames waiting to be written.
type track struct {
	kind Kind
	rate int64
	asm  *assembler

	// RTP timestamps are unwrapped into a continuous int64 "ext" timeline; jumps that no elapsed time explains
	// (a sender reset, garbage) are re-anchored on arrival time so that ext stays continuous.
	haveTS   bool
	lastRaw  uint32
	lastExt  int64
	lastArr  time.Duration
	ref      int64         // first ext: keeps the numbers small
	firstArr time.Duration // arrival of the first packet

	// Arrival mapping: arrival = arrOff + (ext-ref)/rate for the least delayed packet seen.
	haveArr bool
	arrOff  time.Duration

	// Sender report mapping: the sender's NTP time (relative to the recorder's ntpOrigin) of ref, from the
	// report that puts it earliest. A sender that is late to send a packet reports the packet's RTP time at a
	// later NTP time, never an earlier one, so the earliest claim is the least late (like arrival's least delayed
	// packet); a browser's reports all agree anyway.
	haveSR bool
	srOff  time.Duration

	// Sound only: where the newest frame's sound ends and its TOC byte, to fill the holes lost packets leave.
	haveSound bool
	soundEnd  int64
	soundTOC  byte

	queue []*frame
}

// pop removes the oldest queued frame. The others move down rather than the queue's start moving up, so that the
// queue keeps its buffer instead of growing a new one every few frames (it holds a few frames, at most seconds').
func (t *track) pop() *frame {
	f := t.queue[0]
	n := copy(t.queue, t.queue[1:])
	t.queue[n] = nil
	t.queue = t.queue[:n]
	return f
}

func newTrack(kind Kind) *track {
	t := &track{kind: kind, rate: audioRate}
	if kind == Video {
		t.rate = videoRate
		t.asm = newAssembler(vp8Codec{}, 512, time.Second)
	} else {
		// browsers do not retransmit audio: a missing packet is given up quickly
		t.asm = newAssembler(opusCodec{}, 8, 100*time.Millisecond)
	}
	return t
}

// unwrap maps a 32-bit RTP timestamp that arrived at arrival onto the track's ext timeline. reset reports a jump
// that was re-anchored.
func (t *track) unwrap(raw uint32, arrival time.Duration) (ext int64, reset bool) {
	if !t.haveTS {
		t.haveTS = true
		t.lastRaw, t.lastExt, t.lastArr, t.ref, t.firstArr = raw, int64(raw), arrival, int64(raw), arrival
		return t.lastExt, false
	}
	d := int64(int32(raw - t.lastRaw))
	ext = t.lastExt + d
	step := ticksToDuration(d, t.rate)
	elapsed := arrival - t.lastArr
	// A stall (much more elapsed time than RTP time) is normal: packets queued in the network. A leap far ahead
	// of the elapsed time, or far back, is not.
	if step > elapsed+maxJump || step < -maxJump {
		ext = t.lastExt + max(1, durationToTicks(elapsed, t.rate))
		t.haveSR = false // the old reports describe the old timestamps
		reset = true
	}
	if ext > t.lastExt {
		t.lastRaw, t.lastExt, t.lastArr = raw, ext, arrival
	}
	return ext, reset
}

// extOf unwraps a timestamp (from a sender report) against the newest packet's.
func (t *track) extOf(raw uint32) int64 {
	return t.lastExt + int64(int32(raw-t.lastRaw))
}

// observe feeds the arrival mapping: the least delayed packet wins, so jitter does not move the mapping.
func (t *track) observe(ext int64, arrival time.Duration) {
	off := arrival - ticksToDuration(ext-t.ref, t.rate)
	if !t.haveArr || off < t.arrOff {
		t.haveArr, t.arrOff = true, off
	}
}

// report feeds the sender report mapping: ext was captured at the sender's NTP time ntp.
func (t *track) report(ext int64, ntp time.Duration) {
	off := ntp - ticksToDuration(ext-t.ref, t.rate)
	if !t.haveSR || off < t.srOff {
		t.haveSR, t.srOff = true, off
	}
}

// abs is the common-clock time of ext: the sender's NTP clock (reports) or our arrival clock. Only differences
// between tracks using the same clock mean anything.
func (t *track) abs(ext int64, reports bool) time.Duration {
	if reports {
		return t.srOff + ticksToDuration(ext-t.ref, t.rate)
	}
	return t.arrOff + ticksToDuration(ext-t.ref, t.rate)
}

// ticksToDuration converts RTP ticks at rate to a duration without overflowing for any realistic count.
func ticksToDuration(ticks, rate int64) time.Duration {
	return time.Duration(ticks/rate)*time.Second + time.Duration(ticks%rate)*time.Second/time.Duration(rate)
}

// durationToTicks converts a duration to RTP ticks at rate.
func durationToTicks(d time.Duration, rate int64) int64 {
	return int64(d/time.Second)*rate + int64(d%time.Second)*rate/int64(time.Second)
}

// ntpDuration converts a difference of 64-bit NTP times (32.32 fixed point seconds) to a duration.
func ntpDuration(diff uint64) time.Duration {
	d := int64(diff)
	secs := d >> 32 // arithmetic shift: floor, also for negative differences
	frac := d & 0xffffffff
	return time.Duration(secs)*time.Second + time.Duration((frac*int64(time.Second))>>32)
}
