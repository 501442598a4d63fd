package recorder

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// Fuzz inputs are a list of operations: one byte (bit 0: kind, bit 1: sender report, bits 4-7: clock step in
// 5 ms), then for a packet a 2-byte length and the marshalled RTP packet, for a report 8 bytes of NTP time and 4
// of RTP time.
func encodeOps(evs []event) []byte {
	var out []byte
	var last time.Duration
	for _, e := range evs {
		step := min((e.at-last)/(5*time.Millisecond), 15)
		last += step * 5 * time.Millisecond
		op := byte(e.kind) | byte(step)<<4
		if e.sr != nil {
			out = append(out, op|2)
			out = binary.BigEndian.AppendUint64(out, e.sr.NTPTime)
			out = binary.BigEndian.AppendUint32(out, e.sr.RTPTime)
			continue
		}
		raw, err := e.pkt.Marshal()
		if err != nil {
			panic(err)
		}
		out = append(out, op)
		out = binary.BigEndian.AppendUint16(out, uint16(len(raw)))
		out = append(out, raw...)
	}
	return out
}

// FuzzWriteRTP feeds arbitrary packets and reports to a recorder, then repairs what it wrote: nothing may panic
// or hang, and Close must return.
func FuzzWriteRTP(f *testing.F) {
	f.Add([]byte{})
	f.Add(encodeOps(mainClip.events(sender{seed: 61})[:20]))
	root, err := os.OpenRoot(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer root.Close()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		name := fmt.Sprintf("fuzz-%d.webm", n.Add(1))
		clk := &clock{}
		rec, err := Create(root, name, Config{RequestKeyframe: func() {}, now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		defer root.Remove(name)
		for len(data) > 0 {
			op := data[0]
			data = data[1:]
			kind := Kind(op & 1)
			clk.set(clk.elapsed() + time.Duration(op>>4)*5*time.Millisecond)
			if op&2 != 0 {
				if len(data) < 12 {
					break
				}
				rec.WriteSenderReport(kind, &rtcp.SenderReport{NTPTime: binary.BigEndian.Uint64(data),
					RTPTime: binary.BigEndian.Uint32(data[8:])})
				data = data[12:]
				continue
			}
			if len(data) < 2 {
				break
			}
			size := min(int(binary.BigEndian.Uint16(data)), len(data)-2)
			raw := data[2 : 2+size]
			data = data[2+size:]
			var p rtp.Packet
			if p.Unmarshal(raw) != nil {
				continue
			}
			if rec.WriteRTP(kind, &p) != nil {
				break
			}
		}
		if _, err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		_, _ = Repair(root, name)
	})
}

// FuzzRepair gives Repair arbitrary files: it must not panic, and must leave a file it cannot use as it was.
func FuzzRepair(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x80, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	root, err := os.OpenRoot(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer root.Close()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		name := fmt.Sprintf("repair-%d.webm", n.Add(1))
		if err := root.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		defer root.Remove(name)
		if _, err := Repair(root, name); err != nil {
			got, rerr := root.ReadFile(name)
			if rerr != nil || string(got) != string(data) {
				t.Fatalf("Repair failed (%v) and changed the file", err)
			}
		}
	})
}

// TestWriteFuzzCorpus regenerates the checked-in seed corpus (testdata/fuzz) from the test clips:
// RECORDER_WRITE_CORPUS=1 go test -run TestWriteFuzzCorpus ./internal/recorder/
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("RECORDER_WRITE_CORPUS") != "1" {
		return // the corpus is checked in; this only rewrites it
	}
	evs := func(s sender, from, to time.Duration) []event {
		var out []event
		for _, e := range mainClip.events(s) {
			if e.at >= from && e.at < to {
				out = append(out, e)
			}
		}
		return out
	}
	small, err := loadClip(smallDir)
	if err != nil {
		t.Fatal(err)
	}
	var resize []event
	resize = append(resize, evs(sender{seed: 1}, 0, 60*time.Millisecond)...)
	for _, e := range small.events(sender{seed: 1, offset: 100 * time.Millisecond}) {
		if e.at < 160*time.Millisecond {
			resize = append(resize, e)
		}
	}
	seeds := map[string][]event{
		"start": evs(sender{videoSeq: 100, audioSeq: 200, videoTS: 300, audioTS: 400, seed: 1}, 0, 90*time.Millisecond),
		"wraparound": evs(sender{videoSeq: 65530, audioSeq: 65534, videoTS: 1<<32 - 3000, audioTS: 1<<32 - 960,
			seed: 2}, 0, 90*time.Millisecond),
		"reordered": evs(sender{swap: 0.5, dropVideo: 0.2, seed: 3}, 0, 90*time.Millisecond),
		"resize":    resize,
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzWriteRTP")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, evs := range seeds {
		content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(encodeOps(evs))) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repairDir := filepath.Join("testdata", "fuzz", "FuzzRepair")
	if err := os.MkdirAll(repairDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// the start of a real recording, torn, without the zeros reserved for Cues (they only slow fuzzing down)
	tk := newTake(t)
	if err := tk.feed(evs(sender{seed: 4}, 0, 1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	tk.close()
	data := mustRead(t, tk.path)
	void := []byte{0xec, 0x01, 0, 0, 0, 0, 0, byte((cuesReserve - 9) >> 8), byte((cuesReserve - 9) & 0xff)}
	if i := bytes.Index(data, void); i > 0 {
		data = append(data[:i:i], data[i+cuesReserve:]...)
	}
	content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data[:min(len(data), 4000)])) + ")\n"
	if err := os.WriteFile(filepath.Join(repairDir, "torn"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
