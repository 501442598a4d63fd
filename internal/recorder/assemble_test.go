package recorder

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// testCodec: payload[0] says 'S' (starts a frame), 'E' (ends it), 'B' (both), 'M' (middle) or 'X' (malformed);
// lower case 's' and 'b' are 'S' and 'B' with the data byte as the frame's 7-bit number.
type testCodec struct{}

func (testCodec) parse(b []byte) ([]byte, bool, pictureID, bool) {
	var pic pictureID
	if b[0] == 's' || b[0] == 'b' {
		pic = pictureID{id: uint16(b[1] & 0x7f), bits: 7}
	}
	return b[1:], strings.ContainsRune("SBsb", rune(b[0])), pic, b[0] != 'X'
}
func (testCodec) endsFrame(p *rtp.Packet) bool {
	return p.Payload[0] == 'E' || p.Payload[0] == 'B' || p.Payload[0] == 'b'
}

// pkt is a test packet: sequence number, timestamp, kind letter and one byte of data; arrival in ms.
type pkt struct {
	seq  uint16
	ts   int64
	kind byte
	data byte
	at   int
}

func TestAssembler(t *testing.T) {
	for _, test := range []struct {
		name  string
		in    []pkt
		flush bool
		want  string // frames as data strings; ! marks a frame after lost packets
	}{
		{name: "in order", in: []pkt{{1, 0, 'S', 'a', 0}, {2, 0, 'E', 'b', 0}, {3, 1, 'B', 'c', 0}, {4, 2, 'S', 'd', 0},
			{5, 2, 'E', 'e', 0}}, want: "ab c de"},
		{name: "neighbours swapped", in: []pkt{{1, 0, 'S', 'a', 0}, {3, 1, 'S', 'c', 0}, {2, 0, 'E', 'b', 0},
			{5, 2, 'B', 'e', 0}, {4, 1, 'E', 'd', 0}}, want: "ab cd e"},
		{name: "sequence numbers wrap", in: []pkt{{65534, 0, 'S', 'a', 0}, {65535, 0, 'E', 'b', 0}, {0, 1, 'S', 'c', 0},
			{1, 1, 'E', 'd', 0}}, want: "ab cd"},
		{name: "a lost middle packet drops its frame after the wait", in: []pkt{{1, 0, 'S', 'a', 0}, {3, 0, 'E', 'c', 0},
			{4, 1, 'B', 'd', 10}, {5, 2, 'B', 'e', 600}}, want: "!d e"},
		{name: "a hole is waited for, not given up early", in: []pkt{{1, 0, 'S', 'a', 0}, {3, 0, 'E', 'c', 0},
			{4, 1, 'B', 'd', 100}, {2, 0, 'M', 'b', 200}}, want: "abc d"},
		{name: "successive holes do not add up their waits", in: []pkt{{1, 0, 'B', 'a', 0}, {3, 1, 'B', 'c', 0},
			{5, 2, 'B', 'e', 0}, {7, 3, 'B', 'g', 0}, {8, 4, 'B', 'h', 510}}, want: "a !c !e !g h"},
		{name: "missing end marker: the next timestamp closes a whole frame", in: []pkt{{1, 0, 'S', 'a', 0},
			{2, 0, 'M', 'b', 0}, {3, 1, 'B', 'c', 0}}, want: "ab c"},
		{name: "starts mid-frame: its start may still come, then not", in: []pkt{{1, 0, 'M', 'a', 0},
			{2, 0, 'E', 'b', 0}, {3, 1, 'B', 'c', 0}, {4, 2, 'B', 'd', 600}}, want: "!c d"},
		{name: "padding takes a sequence number", in: []pkt{{1, 0, 'B', 'a', 0}, {2, 0, 0, 0, 0}, {3, 1, 'B', 'c', 0}},
			want: "a c"},
		{name: "a lost padding packet between numbered frames is not waited for", in: []pkt{{1, 0, 'b', 'a', 0},
			{3, 1, 'b', 'b', 10}, {4, 2, 'b', 'c', 20}}, want: "a b c"},
		{name: "lost padding and a lost frame: the numbers show the frame is missing", in: []pkt{{1, 0, 'b', 'a', 0},
			{3, 2, 'b', 'c', 10}, {4, 3, 'b', 'd', 600}}, want: "a !c d"},
		{name: "a hole after a frame without its end mark may be its end", in: []pkt{{1, 0, 's', 'a', 0},
			{3, 1, 'b', 'b', 10}, {4, 2, 'b', 'c', 600}}, want: "!b c"},
		{name: "duplicates and late packets are ignored", in: []pkt{{1, 0, 'B', 'a', 0}, {1, 0, 'B', 'z', 0},
			{2, 1, 'B', 'b', 0}, {1, 0, 'B', 'y', 0}}, want: "a b"},
		{name: "a malformed packet breaks its frame", in: []pkt{{1, 0, 'S', 'a', 0}, {2, 0, 'X', 'b', 0},
			{3, 0, 'E', 'c', 0}, {4, 1, 'B', 'd', 0}, {5, 2, 'B', 'e', 600}}, want: "!d e"},
		{name: "reordered at the very start", in: []pkt{{2, 0, 'E', 'b', 0}, {1, 0, 'S', 'a', 0}, {3, 1, 'B', 'c', 0}},
			want: "ab c"},
		{name: "flush gives up the rest", in: []pkt{{1, 0, 'B', 'a', 0}, {3, 1, 'B', 'c', 0}, {4, 2, 'S', 'd', 0}},
			flush: true, want: "a !c"},
		{name: "a jump far ahead drops what is in between", in: []pkt{{1, 0, 'B', 'a', 0}, {2, 1, 'S', 'b', 0},
			{3000, 5, 'B', 'c', 0}, {3001, 6, 'B', 'd', 600}}, want: "a !c d"},
	} {
		t.Run(test.name, func(t *testing.T) {
			a := newAssembler(testCodec{}, 100, 500*time.Millisecond)
			var got []string
			// as the recorder does: each frame is used, then given back for reuse
			use := func(frames []*frame) {
				for _, f := range frames {
					s := string(f.data)
					if f.lost {
						s = "!" + s
					}
					got = append(got, s)
					a.recycle(f)
				}
			}
			for _, p := range test.in {
				payload := []byte{p.kind, p.data}
				if p.kind == 0 {
					payload = nil
				}
				use(a.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: p.seq}, Payload: payload}, p.ts,
					time.Duration(p.at)*time.Millisecond))
			}
			if test.flush {
				use(a.flush(time.Second))
			}
			if fmt.Sprint(got) != fmt.Sprint(strings.Fields(test.want)) {
				t.Errorf("frames %q, want %q", got, test.want)
			}
		})
	}
}
