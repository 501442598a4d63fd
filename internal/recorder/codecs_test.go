package recorder

import (
	"bytes"
	"testing"
	"time"
)

func TestParseVP8(t *testing.T) {
	key, delta := mainClip.video[0].data, mainClip.video[1].data
	broken := append([]byte(nil), key...)
	broken[4] = 0 // start code
	for _, test := range []struct {
		name          string
		data          []byte
		key, ok       bool
		width, height int
	}{
		{"keyframe", key, true, true, 640, 480},
		{"interframe", delta, false, true, 0, 0},
		{"keyframe cut short", key[:8], false, false, 0, 0},
		{"bad start code", broken, false, false, 0, 0},
		{"first partition longer than the frame", []byte{0xf1, 0xff, 0xff, 0}, false, false, 0, 0},
		{"empty", nil, false, false, 0, 0},
	} {
		k, w, h, ok := parseVP8(test.data)
		if k != test.key || ok != test.ok || w != test.width || h != test.height {
			t.Errorf("%s: key %v ok %v %dx%d", test.name, k, ok, w, h)
		}
	}
}

func TestValidOpus(t *testing.T) {
	frame := func(n int) []byte { return bytes.Repeat([]byte{0x55}, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	const celt20 = 31 << 3 // CELT fullband 20 ms
	for _, test := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"one frame", cat([]byte{celt20}, frame(100)), true},
		{"TOC only (DTX)", []byte{celt20}, true},
		{"one frame too long", cat([]byte{celt20}, frame(1276)), false},
		{"two equal frames", cat([]byte{celt20 | 1}, frame(100)), true},
		{"two equal frames, odd length", cat([]byte{celt20 | 1}, frame(101)), false},
		{"two frames, first length coded", cat([]byte{celt20 | 2, 40}, frame(100)), true},
		{"two frames, first longer than the packet", cat([]byte{celt20 | 2, 200}, frame(100)), false},
		{"two frames, two-byte length", cat([]byte{celt20 | 2, 252, 1}, frame(300)), true},
		{"code 3 CBR, 3 frames", cat([]byte{celt20 | 3, 3}, frame(90)), true},
		{"code 3 CBR, uneven", cat([]byte{celt20 | 3, 3}, frame(91)), false},
		{"code 3, no frames", []byte{celt20 | 3, 0}, false},
		{"code 3, 140 ms", cat([]byte{celt20 | 3, 7}, frame(70)), false},
		{"code 3, missing count", []byte{celt20 | 3}, false},
		{"code 3 VBR", cat([]byte{celt20 | 3, 0x80 | 2, 30}, frame(50)), true},
		{"code 3 VBR, lengths past the end", cat([]byte{celt20 | 3, 0x80 | 3, 30, 30}, frame(40)), false},
		{"code 3 padded", cat([]byte{celt20 | 3, 0x40 | 2, 10}, frame(40), make([]byte, 10)), true},
		{"code 3 padding past the end", cat([]byte{celt20 | 3, 0x40 | 2, 255, 255}, frame(40)), false},
		{"empty", nil, false},
	} {
		if got := validOpus(test.data); got != test.ok {
			t.Errorf("%s: %v, want %v", test.name, got, test.ok)
		}
	}
	for _, a := range mainClip.audio {
		if !validOpus(a.data) {
			t.Fatalf("a real Opus packet rejected: % x", a.data[:min(8, len(a.data))])
		}
	}
}

func TestOpusHead(t *testing.T) {
	want := []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0}
	if got := opusHead(2); !bytes.Equal(got, want) {
		t.Errorf("OpusHead % x, want % x", got, want)
	}
}

func TestUnwrap(t *testing.T) {
	ms := time.Millisecond
	for _, test := range []struct {
		name  string
		raw   []uint32
		at    []time.Duration
		want  []int64
		reset bool
	}{
		{"32-bit wrap", []uint32{1<<32 - 3000, 1<<32 - 1, 2999}, []time.Duration{0, 33 * ms, 66 * ms},
			[]int64{1<<32 - 3000, 1<<32 - 1, 1<<32 + 2999}, false},
		{"reordered", []uint32{9000, 6000, 12000}, []time.Duration{0, 10 * ms, 20 * ms},
			[]int64{9000, 6000, 12000}, false},
		{"network stall: RTP time kept", []uint32{0, 3000}, []time.Duration{0, 20 * time.Second},
			[]int64{0, 3000}, false},
		{"sender pause: RTP time kept", []uint32{0, 30 * 90000}, []time.Duration{0, 30 * time.Second},
			[]int64{0, 30 * 90000}, false},
		{"leap ahead: re-anchored on arrival", []uint32{0, 1 << 30}, []time.Duration{0, time.Second},
			[]int64{0, 90000}, true},
		{"leap back: re-anchored on arrival", []uint32{1 << 31, 1<<31 - 20*90000}, []time.Duration{0, 2 * time.Second},
			[]int64{1 << 31, 1<<31 + 2*90000}, true},
	} {
		tr := newTrack(Video)
		reset := false
		for i, raw := range test.raw {
			ext, r := tr.unwrap(raw, test.at[i])
			reset = reset || r
			if ext != test.want[i] {
				t.Errorf("%s: packet %d: ext %d, want %d", test.name, i, ext, test.want[i])
			}
		}
		if reset != test.reset {
			t.Errorf("%s: reset %v", test.name, reset)
		}
	}
}

func TestClockConversions(t *testing.T) {
	if d := ntpDuration(3 << 31); d != 1500*time.Millisecond {
		t.Errorf("ntpDuration(1.5 s) = %s", d)
	}
	var half uint64 = 1 << 31
	if d := ntpDuration(0 - half); d != -500*time.Millisecond {
		t.Errorf("ntpDuration(-0.5 s) = %s", d)
	}
	if d := ticksToDuration(-45000, videoRate); d != -500*time.Millisecond {
		t.Errorf("ticksToDuration(-45000) = %s", d)
	}
	if d := ticksToDuration(1<<40, audioRate); d <= 0 {
		t.Errorf("ticksToDuration overflows: %s", d)
	}
	if n := durationToTicks(1500*time.Millisecond, audioRate); n != 72000 {
		t.Errorf("durationToTicks(1.5 s) = %d", n)
	}
}

// The frame number of a VP8 payload descriptor, in both its forms, and none without one (RFC 7741 4.2).
func TestVP8PictureID(t *testing.T) {
	for _, test := range []struct {
		name    string
		payload []byte
		want    pictureID
		start   bool
	}{
		{"15 bits", []byte{0x90, 0x80, 0x80 | 0x12, 0x34, 0xaa}, pictureID{id: 0x1234, bits: 15}, true},
		{"7 bits", []byte{0x80, 0x80, 0x05, 0xaa}, pictureID{id: 5, bits: 7}, false},
		{"none", []byte{0x10, 0xaa}, pictureID{}, true},
	} {
		data, start, pic, ok := vp8Codec{}.parse(test.payload)
		if !ok || pic != test.want || start != test.start || len(data) != 1 || data[0] != 0xaa {
			t.Errorf("%s: %x %v %+v %v, want %+v start %v", test.name, data, start, pic, ok, test.want, test.start)
		}
	}
	if !(pictureID{id: 0, bits: 15}).follows(pictureID{id: 0x7fff, bits: 15}) ||
		(pictureID{id: 0, bits: 7}).follows(pictureID{id: 0x7fff, bits: 15}) {
		t.Error("follows: the 15-bit number wraps to 0; numbers of different forms never follow")
	}
}
