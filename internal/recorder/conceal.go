package recorder

import "time"

// fillBudget is how far the sound's RTP time may run ahead of its arrival time and still have its holes filled:
// real holes (lost packets, a network outage, DTX) arrive as late as they are long, a sender that leaps ahead
// does not, and it must not make the recorder write minutes of filler.
const fillBudget = 2 * time.Second

// noteHole marks the hole in the sound right before the Opus frame f, if packets were lost, and notes where f
// ends.
//
// A lost packet leaves a hole in the audio track's timestamps. Players that play Opus packets back to back (ffmpeg
// does across holes under 100 ms, and browsers' audio renderers do not reliably insert silence either) would play
// everything after the hole early, out of step with the picture by the length of every hole so far. The hole is
// filled as f is written (pump), with one packet without frame data (RFC 6716 3.2.1: a zero-length frame) per
// missing frame: the timeline stays whole, and a decoder conceals them as it does packets lost live. The filler
// is not queued as frames: the hold that lets a late track catch up goes by real frames only.
// called locked
func (t *track) noteHole(f *frame) {
	end, toc, had := t.soundEnd, t.soundTOC, t.haveSound
	t.soundEnd, t.soundTOC, t.haveSound = max(t.soundEnd, f.ext+opusTicks(f.data)), f.data[0], true
	if !had {
		return
	}
	step := int64(opusFrameUnits(toc>>3)) * audioRate / 400 // one frame of the previous packet's kind
	if f.ext-end < step || ticksToDuration(f.ext-t.ref, t.rate) > f.arrival-t.firstArr+fillBudget {
		return
	}
	// the TOC alone, code 0: one frame of the previous packet's configuration, of length 0
	f.hole, f.fillStep, f.fill = end, step, toc&^3
}

// next is the timestamp of what goes into the file next for frame f: the rest of the hole before it, or f.
func (f *frame) next() int64 {
	if f.fillStep > 0 && f.hole+f.fillStep <= f.ext {
		return f.hole
	}
	return f.ext
}

// opusTicks is the duration of a valid Opus packet (validOpus) in 48 kHz ticks (RFC 6716 3.1 and 3.2).
func opusTicks(b []byte) int64 {
	frames := 1
	switch b[0] & 3 {
	case 1, 2:
		frames = 2
	case 3:
		frames = int(b[1] & 0x3f)
	}
	return int64(frames*opusFrameUnits(b[0]>>3)) * audioRate / 400
}
