package recorder

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

func TestAppendSize(t *testing.T) {
	for _, test := range []struct {
		n    uint64
		want []byte
	}{
		{0, []byte{0x80}},
		{126, []byte{0xFE}},
		{127, []byte{0x40, 0x7F}}, // 0xFF alone would mean "unknown"
		{16382, []byte{0x7F, 0xFE}},
		{16383, []byte{0x20, 0x3F, 0xFF}},
		{1<<56 - 2, []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}},
	} {
		if got := appendSize(nil, test.n); !bytes.Equal(got, test.want) {
			t.Errorf("appendSize(%d) = % x, want % x", test.n, got, test.want)
		}
	}
	if got := appendUint(nil, idTimecode, 0); !bytes.Equal(got, []byte{0xE7, 0x81, 0}) {
		t.Errorf("appendUint(0) = % x", got)
	}
	if got := appendUint(nil, idCueClusterPosition, 0x12345); !bytes.Equal(got, []byte{0xF1, 0x83, 1, 0x23, 0x45}) {
		t.Errorf("appendUint(0x12345) = % x", got)
	}
}

// Cues that outgrow the space reserved for them are thinned out to fit it exactly, and stay readable.
func TestCuesThinned(t *testing.T) {
	for _, n := range []int{1, 10, 1000, 5000} {
		points := make([]cuePoint, n)
		for i := range points {
			points[i] = cuePoint{ms: uint64(i) * 2000, track: videoTrack, at: int64(i) * 400_000}
		}
		b := encodeCues(points, cuesReserve)
		if len(b) != cuesReserve {
			t.Fatalf("%d points: %d bytes, want %d", n, len(b), cuesReserve)
		}
		var doc struct {
			Cues webm.Cues `ebml:"Cues"`
		}
		if err := ebml.Unmarshal(bytes.NewReader(b), &doc, ebml.WithIgnoreUnknown(true)); err != nil {
			t.Fatalf("%d points: %v", n, err)
		}
		got := doc.Cues.CuePoint
		if len(got) == 0 || len(got) > n || (n <= 1000 && len(got) != n) {
			t.Fatalf("%d points: %d read back", n, len(got))
		}
		if got[0].CueTime != 0 || got[1%len(got)].CueTime%2000 != 0 ||
			got[len(got)-1].CueTrackPositions[0].CueClusterPosition%400_000 != 0 {
			t.Errorf("%d points: read back %+v ... %+v", n, got[0], got[len(got)-1])
		}
	}
}

// Writing a frame allocates nothing: no garbage per block for the GC to chase at hundreds of takes.
func TestBlockDoesNotAllocate(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "a.webm"))
	if err != nil {
		t.Fatal(err)
	}
	out := newSink(f)
	defer out.finish()
	w, err := newWebmWriter(out, trackEntries(640, 480, true), videoTrack, minCluster, maxCluster, clockBase)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 5000)
	w.block(videoTrack, true, 0, frame)
	ms := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		ms++
		w.block(videoTrack, false, ms, frame)
		w.block(audioTrack, true, ms, frame[:100])
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per frame", allocs/2)
	}
	if err := out.error(); err != nil {
		t.Fatal(err)
	}
}
