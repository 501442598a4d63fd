package recorder

import (
	"time"

	"github.com/pion/rtp"
)

// codec depacketizes one RTP payload.
type codec interface {
	// parse returns the codec data carried by payload, whether it starts a frame, the frame's number if the codec
	// has one, and false when the payload is malformed.
	parse(payload []byte) (data []byte, start bool, pic pictureID, ok bool)
	// endsFrame reports whether a packet closes its frame.
	endsFrame(p *rtp.Packet) bool
}

const ringSize = 1024 // packets held for reordering; a power of two

// packet is one received RTP packet, depacketized.
type packet struct {
	seq     int64 // unwrapped sequence number
	ext     int64 // unwrapped timestamp
	arrival time.Duration
	data    []byte
	start   bool
	end     bool
	empty   bool // padding: takes a sequence number, carries nothing
	broken  bool
	pic     pictureID
}

// pictureID is a frame's number in its payload (VP8: RFC 7741 4.2, 7 or 15 bits), one more for each frame the
// sender sends. The zero value is no number.
type pictureID struct {
	id   uint16
	bits uint8
}

// follows reports whether p is the frame right after prev.
func (p pictureID) follows(prev pictureID) bool {
	return p.bits != 0 && p.bits == prev.bits && p.id == (prev.id+1)&(1<<p.bits-1)
}

// assembler puts packets back in sequence order and cuts them into frames. A frame is written only when every
// one of its packets is there; a missing packet is waited for (it may be late or retransmitted) until maxLate
// newer packets or maxWait have passed, then the frames it touches are dropped and the next frame is marked lost.
type assembler struct {
	codec   codec
	maxLate int64
	maxWait time.Duration

	ring    [ringSize]*packet
	started bool
	emitted bool  // a frame has come out: the start is settled
	next    int64 // sequence number to consume next
	highest int64
	lost    bool // packets were given up since the last frame

	lastPic   pictureID // of the last frame out
	lastEnded bool      // the last frame out ended on its sender's end mark

	// Buffers are reused: a take brings hundreds of packets and frames a second, and each would otherwise be
	// garbage once it has moved on (a packet into its frame, a frame into the file).
	out         []*frame  // what push, drain and flush return
	spare       []*packet // released packets, their data buffers kept
	spareFrames []*frame  // frames given back by recycle
}

// How many released packets and written frames are kept for reuse: enough for the packets of a frame between
// keyframes (up to about 10 at 1.5 Mbit/s; a keyframe's 30 to 50 then make some garbage every second or two) and
// for the frames written between two packets. More would hold memory in every take for little.
const (
	maxSparePackets = 16
	maxSpareFrames  = 2
)

func newAssembler(c codec, maxLate int64, maxWait time.Duration) *assembler {
	return &assembler{codec: c, maxLate: maxLate, maxWait: maxWait}
}

// push adds a packet and returns the frames it completes, in order. The slice is the assembler's: it is valid until
// the next call.
func (a *assembler) push(p *rtp.Packet, ext int64, now time.Duration) []*frame {
	a.out = a.out[:0]
	var seq int64
	if !a.started {
		a.started = true
		seq = int64(p.SequenceNumber)
		a.next, a.highest = seq, seq
	} else {
		seq = a.highest + int64(int16(p.SequenceNumber-uint16(a.highest)))
	}
	if seq < a.next {
		if a.emitted || a.next-seq >= 64 || a.slot(seq) != nil {
			return a.out // late or duplicate
		}
		a.next = seq // reordered at the very start
	}
	if seq-a.next >= ringSize {
		// no room: give up what is too old to wait for
		a.collect(now, seq-ringSize+1)
	}
	if a.slot(seq) != nil {
		return a.out // duplicate
	}
	pk := a.newPacket()
	pk.seq, pk.ext, pk.arrival = seq, ext, now
	if len(p.Payload) == 0 {
		pk.empty = true
	} else {
		data, start, pic, ok := a.codec.parse(p.Payload)
		// copied: the caller may reuse its buffer
		pk.data, pk.start, pk.pic, pk.broken = append(pk.data, data...), start, pic, !ok
		pk.end = a.codec.endsFrame(p)
	}
	a.ring[seq&(ringSize-1)] = pk
	a.highest = max(a.highest, seq)
	a.collect(now, a.next)
	return a.out
}

// newPacket returns an empty packet, with a released packet's data buffer if there is one.
func (a *assembler) newPacket() *packet {
	n := len(a.spare)
	if n == 0 {
		return &packet{}
	}
	p := a.spare[n-1]
	a.spare[n-1] = nil
	a.spare = a.spare[:n-1]
	*p = packet{data: p.data[:0]}
	return p
}

// recycle takes back a frame the caller is done with (its data written to the file, not kept), so that a later
// frame reuses it and its buffer.
func (a *assembler) recycle(f *frame) {
	if len(a.spareFrames) < maxSpareFrames {
		a.spareFrames = append(a.spareFrames, f)
	}
}

// flush gives up every missing packet and returns the frames still complete, like push.
func (a *assembler) flush(now time.Duration) []*frame {
	if !a.started {
		return nil
	}
	return a.drain(now, a.highest+1)
}

// waiting reports whether packets are held for one that is missing.
func (a *assembler) waiting() bool {
	return a.started && a.next <= a.highest
}

// slot returns the packet stored for seq, if any.
func (a *assembler) slot(seq int64) *packet {
	p := a.ring[seq&(ringSize-1)]
	if p == nil || p.seq != seq {
		return nil
	}
	return p
}

// release forgets packets [from, to), keeping some for reuse.
func (a *assembler) release(from, to int64) {
	for s := from; s < to && s-from < ringSize; s++ {
		if p := a.slot(s); p != nil {
			a.ring[s&(ringSize-1)] = nil
			if len(a.spare) < maxSparePackets {
				a.spare = append(a.spare, p)
			}
		}
	}
}

// giveUp reports whether the missing packet seq is no longer worth waiting for: holes before force, holes with
// maxLate packets after them, and holes that a later packet showed maxWait ago. (Timing from the later packet,
// not from when the hole reached the front, keeps successive holes from adding up their waits.)
func (a *assembler) giveUp(seq int64, now time.Duration, force int64) bool {
	if seq < force || a.highest-seq >= a.maxLate {
		return true
	}
	for s := seq + 1; s <= a.highest; s++ {
		if p := a.slot(s); p != nil {
			return now-p.arrival >= a.maxWait
		}
	}
	return false
}

// skip drops packets [a.next, to) as lost.
func (a *assembler) skip(to int64) {
	a.release(a.next, to)
	a.next = to
	a.lost = true
}

// drain returns the frames that can be completed, like push; holes before force are given up at once.
func (a *assembler) drain(now time.Duration, force int64) []*frame {
	a.out = a.out[:0]
	a.collect(now, force)
	return a.out
}

// collect appends the frames that can be completed to a.out; holes before force are given up at once.
func (a *assembler) collect(now time.Duration, force int64) {
	if force > a.next+ringSize {
		// a jump far ahead: nothing in between can come back
		a.release(a.next, a.next+ringSize)
		a.next, a.lost = force, true
	}
	for a.next <= a.highest {
		p := a.slot(a.next)
		switch {
		case p == nil:
			if a.padding() {
				continue
			}
			if !a.giveUp(a.next, now, force) {
				return
			}
			a.skip(a.next + 1)
			continue
		case p.empty:
			a.release(a.next, a.next+1)
			a.next++
			continue
		case p.broken || !p.start:
			if !p.broken && !a.emitted && a.next >= force && a.highest-a.next < a.maxLate &&
				now-p.arrival < a.maxWait {
				return // at the very start, the first packets of its frame may still come
			}
			a.skip(a.next + 1) // the rest of a frame whose start is gone
			continue
		}
		// collect the frame that starts here
		end, hole, bad := int64(-1), int64(-1), false
		s := a.next
		for ; s <= a.highest; s++ {
			q := a.slot(s)
			if q == nil {
				hole = s
				break
			}
			if s > a.next && (q.ext != p.ext || q.empty || q.start) {
				// the next frame (or padding) begins: with no hole before it, this frame is whole even if its
				// sender did not mark its end
				if q.ext != p.ext || q.empty {
					end = s - 1
				} else {
					bad = true
				}
				break
			}
			if q.broken {
				bad = true
				break
			}
			if q.end {
				end = s
				break
			}
		}
		switch {
		case end >= 0:
			a.out = append(a.out, a.take(a.next, end))
		case bad:
			a.skip(s)
		case hole >= 0 && a.giveUp(hole, now, force):
			a.skip(hole + 1)
		case hole < 0 && a.next < force:
			a.skip(s) // unfinished, and out of time or room
		default:
			return // wait for the rest of the frame
		}
	}
}

// padding passes over a hole at a.next that cannot hold media and reports whether it did: the frame before it
// ended on its end mark and the first frame after it is the next by number, so what is missing is padding. A
// sender without RTX sends its padding (bandwidth probes) on the media's sequence numbers and never resends it:
// waiting for it would cost the wait and then the frames up to the next keyframe.
func (a *assembler) padding() bool {
	if !a.emitted || !a.lastEnded || a.lost || a.lastPic.bits == 0 {
		return false
	}
	for s := a.next + 1; s <= a.highest; s++ {
		q := a.slot(s)
		switch {
		case q == nil || q.empty:
			continue
		case q.start && !q.broken && q.pic.follows(a.lastPic):
			a.release(a.next, s)
			a.next = s
			return true
		default:
			return false
		}
	}
	return false
}

// take turns packets [from, to] into a frame and consumes them.
func (a *assembler) take(from, to int64) *frame {
	first := a.slot(from)
	n := 0
	for s := from; s <= to; s++ {
		n += len(a.slot(s).data)
	}
	var f *frame
	if k := len(a.spareFrames); k > 0 {
		f = a.spareFrames[k-1]
		a.spareFrames[k-1] = nil
		a.spareFrames = a.spareFrames[:k-1]
	} else {
		f = &frame{}
	}
	data := f.data[:0]
	if cap(data) < n {
		data = make([]byte, 0, n)
	}
	for s := from; s <= to; s++ {
		data = append(data, a.slot(s).data...)
	}
	*f = frame{ext: first.ext, arrival: first.arrival, data: data, lost: a.lost}
	a.lastPic, a.lastEnded = first.pic, a.slot(to).end
	a.release(from, to+1)
	a.next = to + 1
	a.lost = false
	a.emitted = true
	return f
}
