package recorder

import (
	"encoding/binary"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// vp8Codec depacketizes VP8 (RFC 7741).
type vp8Codec struct{}

func (vp8Codec) parse(payload []byte) ([]byte, bool, pictureID, bool) {
	var p codecs.VP8Packet
	data, err := p.Unmarshal(payload)
	if err != nil {
		return nil, false, pictureID{}, false
	}
	var pic pictureID
	if p.I == 1 {
		pic = pictureID{id: p.PictureID, bits: 7}
		if payload[2]&0x80 != 0 { // M: the 15-bit form (X and I make byte 2 the ID's first)
			pic.bits = 15
		}
	}
	// a frame starts with the first packet of partition 0
	return data, p.S == 1 && p.PID == 0, pic, true
}

func (vp8Codec) endsFrame(p *rtp.Packet) bool { return p.Marker }

// opusCodec depacketizes Opus (RFC 7587): one packet, one frame.
type opusCodec struct{}

func (opusCodec) parse(payload []byte) ([]byte, bool, pictureID, bool) {
	return payload, true, pictureID{}, true
}

func (opusCodec) endsFrame(*rtp.Packet) bool { return true }

// parseVP8 checks a VP8 frame's header (RFC 6386 section 9.1) and returns whether it is a keyframe and, for a
// keyframe, its size. ok is false for data no decoder would take.
func parseVP8(b []byte) (key bool, width, height int, ok bool) {
	if len(b) < 3 {
		return false, 0, 0, false
	}
	tag := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	key = tag&1 == 0
	version := (tag >> 1) & 7
	firstPart := int(tag >> 5)
	if version > 3 {
		return false, 0, 0, false
	}
	if !key {
		return false, 0, 0, firstPart <= len(b)-3
	}
	if len(b) < 10 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a || firstPart > len(b)-10 {
		return false, 0, 0, false
	}
	width = int(binary.LittleEndian.Uint16(b[6:8]) & 0x3fff)
	height = int(binary.LittleEndian.Uint16(b[8:10]) & 0x3fff)
	if width == 0 || height == 0 {
		return false, 0, 0, false
	}
	return true, width, height, true
}

// opusFrameUnits is the duration of one Opus frame in units of 2.5 ms, by TOC configuration (RFC 6716 3.1).
func opusFrameUnits(config byte) int {
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		return [4]int{4, 8, 16, 24}[config%4]
	case config < 16: // hybrid: 10, 20 ms
		return [2]int{4, 8}[config%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		return [4]int{1, 2, 4, 8}[config%4]
	}
}

// opusLength reads a frame length coded in one or two bytes (RFC 6716 3.2.1); n is 0 when b is too short.
func opusLength(b []byte) (length, n int) {
	if len(b) < 1 {
		return 0, 0
	}
	if b[0] < 252 {
		return int(b[0]), 1
	}
	if len(b) < 2 {
		return 0, 0
	}
	return int(b[1])*4 + int(b[0]), 2
}

// validOpus checks an Opus packet against the rules every decoder enforces (RFC 6716 3.4, R1-R7), so that no
// packet a decoder would reject reaches the file.
func validOpus(b []byte) bool {
	const maxFrame = 1275
	if len(b) < 1 {
		return false
	}
	toc := b[0]
	rest := b[1:]
	switch toc & 3 {
	case 0: // one frame
		return len(rest) <= maxFrame
	case 1: // two frames of equal size
		return len(rest)%2 == 0 && len(rest)/2 <= maxFrame
	case 2: // two frames, the first one's length coded
		l, n := opusLength(rest)
		return n > 0 && l <= len(rest)-n && len(rest)-n-l <= maxFrame
	}
	// code 3: a frame count byte, optional padding, CBR or VBR frames
	if len(rest) < 1 {
		return false
	}
	m := int(rest[0] & 0x3f)
	vbr, padded := rest[0]&0x80 != 0, rest[0]&0x40 != 0
	rest = rest[1:]
	if m == 0 || m*opusFrameUnits(toc>>3) > 48 { // at most 120 ms
		return false
	}
	size := len(rest) // bytes of frames once padding is taken off
	if padded {
		pad := 0
		for {
			if len(rest) < 1 {
				return false
			}
			v := int(rest[0])
			rest = rest[1:]
			size--
			if v < 255 {
				pad += v
				break
			}
			pad += 254
		}
		size -= pad
		if size < 0 {
			return false
		}
	}
	if !vbr {
		return size%m == 0 && size/m <= maxFrame
	}
	for i := 0; i < m-1; i++ {
		l, n := opusLength(rest)
		if n == 0 {
			return false
		}
		rest = rest[n:]
		size -= n + l
		if size < 0 {
			return false
		}
	}
	return size <= maxFrame
}

// opusHead is the CodecPrivate of an Opus track (RFC 7845 5.1): version 1, channel mapping family 0. Pre-skip
// is 0: RTP timestamps already say when each packet's sound plays.
func opusHead(channels int) []byte {
	h := make([]byte, 19)
	copy(h, "OpusHead")
	h[8] = 1
	h[9] = byte(channels)
	binary.LittleEndian.PutUint16(h[10:], 0)     // pre-skip
	binary.LittleEndian.PutUint32(h[12:], 48000) // input sample rate, informational
	binary.LittleEndian.PutUint16(h[16:], 0)     // output gain
	h[18] = 0                                    // mapping family
	return h
}
