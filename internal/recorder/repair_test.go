package recorder

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/mediacheck"
)

// recorded makes a complete recording of the main clip and returns its take (closed).
func recorded(t *testing.T, seed uint64) *take {
	t.Helper()
	tk := newTake(t)
	evs := mainClip.events(sender{videoSeq: 321, audioSeq: 654, videoTS: 987, audioTS: 123, seed: seed})
	if err := tk.feed(evs); err != nil {
		t.Fatal(err)
	}
	tk.close()
	return tk
}

// writeCopy writes data as name beside the take.
func (tk *take) writeCopy(name string, data []byte) string {
	tk.t.Helper()
	path := filepath.Join(filepath.Dir(tk.path), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tk.t.Fatal(err)
	}
	return path
}

// A process killed while recording leaves a file that Repair makes playable and seekable, with all but the
// last moments (at most 2 s) of what was said.
func TestCrashRepair(t *testing.T) {
	t.Parallel()
	tk := newTake(t)
	const written = 5 * time.Second
	var evs []event
	for _, e := range mainClip.events(sender{videoSeq: 11, audioSeq: 22, videoTS: 33, audioTS: 44, seed: 21}) {
		if e.at < written {
			evs = append(evs, e)
		}
	}
	if err := tk.feed(evs); err != nil {
		t.Fatal(err)
	}
	// kill -9 now: what the file holds is what reached it; the recorder hands buffered bytes over within
	// flushInterval even when no packet comes
	time.Sleep(flushInterval + 300*time.Millisecond)
	data, err := os.ReadFile(tk.path)
	if err != nil {
		t.Fatal(err)
	}
	path := tk.writeCopy("crashed.webm", data)
	if _, err := tk.rec.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := mediacheck.Probe(path); err == nil && info.Seekable {
		t.Fatal("a crashed file already has Cues")
	}

	tk.writeCopy("crashed.webm.repair-0123456789ab", []byte("left by a repair that crashed"))
	stats, err := Repair(tk.root, "crashed.webm")
	if err != nil {
		t.Fatal(err)
	}
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the repaired file does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Seekable {
		t.Error("the repaired file has no Cues")
	}
	if info.Duration < written-2*time.Second || info.Duration > written {
		t.Errorf("repaired duration %s, want %s minus at most 2 s", info.Duration, written)
	}
	if (stats.Duration-info.Duration).Abs() > time.Millisecond || stats.VideoFrames != info.VideoFrames ||
		stats.Bytes != int64(len(mustRead(t, path))) {
		t.Errorf("stats %+v, file: %+v", stats, info)
	}
	if err := mediacheck.SeekFrame(path, 3*time.Second); err != nil {
		t.Error(err)
	}
	offset, err := mediacheck.AVOffset(path)
	if err != nil {
		t.Fatal(err)
	}
	if offset.Abs() > 40*time.Millisecond {
		t.Errorf("A/V offset %s after repair", offset)
	}
	t.Logf("crash after %s of media: %d bytes on disk, repaired to %s (%d frames, A/V offset %s)",
		written, len(data), info.Duration, info.VideoFrames, offset)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 {
		t.Errorf("files left beside the take: %v", entries)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A file torn at any byte keeps every frame that was wholly written before the tear.
func TestRepairTornFile(t *testing.T) {
	t.Parallel()
	tk := recorded(t, 22)
	data := mustRead(t, tk.path)
	blocks := readBlocks(t, tk.path)
	firstCluster := blocks[0].end - int64(len(blocks[0].data)) - 16
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 6 {
		cut := firstCluster + rng.Int64N(int64(len(data))-firstCluster)
		if i == 0 {
			cut = blocks[len(blocks)/2].end - 1 // inside a block's last byte
		}
		whole := 0
		for _, b := range blocks {
			if b.end <= cut {
				whole++
			}
		}
		name := "torn.webm"
		path := tk.writeCopy(name, data[:cut])
		stats, err := Repair(tk.root, name)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if got := stats.VideoFrames + stats.AudioFrames; got != whole {
			t.Errorf("cut at %d: %d frames kept, %d were whole", cut, got, whole)
		}
		if err := mediacheck.Decode(path); err != nil {
			t.Errorf("cut at %d: %v", cut, err)
		}
	}
}

// Damaged bytes in the middle (a bad sector, a zero-filled stretch) cost only the frames up to the next cluster.
func TestRepairDamagedFile(t *testing.T) {
	t.Parallel()
	tk := recorded(t, 23)
	data := mustRead(t, tk.path)
	for i := len(data) / 2; i < len(data)/2+4096; i++ {
		data[i] = 0
	}
	// zeros that start right at a frame's payload leave its block header whole: the frame must be dropped, not
	// handed to the player
	blocks := readBlocks(t, tk.path)
	for _, b := range blocks[len(blocks)/4:] {
		if b.track == videoTrack && len(b.data) > 64 {
			clear(data[b.end-int64(len(b.data)) : b.end-int64(len(b.data))+64])
			break
		}
	}
	// and a zero-filled tail, as a power loss can leave
	data = append(data, make([]byte, 8192)...)
	path := tk.writeCopy("damaged.webm", data)
	stats, err := Repair(tk.root, "damaged.webm")
	if err != nil {
		t.Fatal(err)
	}
	if err := mediacheck.Decode(path); err != nil {
		t.Fatalf("the repaired file does not decode: %v", err)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Seekable || info.Duration < mainClip.duration-100*time.Millisecond || info.VideoFrames < 260 {
		t.Errorf("repaired: %+v", info)
	}
	t.Logf("4 KiB zeroed in the middle: %d of %d frames kept, duration %s", stats.VideoFrames, len(mainClip.video),
		info.Duration)
}

// Repairing a complete file keeps it as it is; a file without a frame is reported and left alone.
func TestRepairCompleteAndEmpty(t *testing.T) {
	t.Parallel()
	tk := recorded(t, 24)
	before, err := mediacheck.Probe(tk.path)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := Repair(tk.root, tk.name)
	if err != nil {
		t.Fatal(err)
	}
	after, err := mediacheck.Probe(tk.path)
	if err != nil {
		t.Fatal(err)
	}
	if after.VideoFrames != before.VideoFrames || after.AudioPackets != before.AudioPackets ||
		after.Duration != before.Duration || !after.Seekable || stats.Width != 640 {
		t.Errorf("repair changed a complete file: %+v -> %+v", before, after)
	}

	data := mustRead(t, tk.path)
	blocks := readBlocks(t, tk.path)
	header := blocks[0].end - int64(len(blocks[0].data)) - 30 // before the first cluster's first block
	for name, content := range map[string][]byte{"empty.webm": nil, "header.webm": data[:header],
		"garbage.webm": []byte("this is not a webm file")} {
		tk.writeCopy(name, content)
		if _, err := Repair(tk.root, name); !errors.Is(err, ErrNoMedia) {
			t.Errorf("%s: %v, want ErrNoMedia", name, err)
		}
		if got := mustRead(t, filepath.Join(filepath.Dir(tk.path), name)); string(got) != string(content) {
			t.Errorf("%s was changed", name)
		}
	}
	if _, err := Repair(tk.root, "missing.webm"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
