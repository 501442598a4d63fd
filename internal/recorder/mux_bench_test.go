package recorder

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// muxInput is the main clip as the muxer gets it: frames in file-time order, sound from the first picture on.
type muxInput struct {
	kind Kind
	at   time.Duration
	f    *frame
}

func clipMuxInput(c *clip) []muxInput {
	var in []muxInput
	for _, v := range c.video {
		in = append(in, muxInput{Video, v.at, &frame{data: v.data, key: v.key}})
	}
	for _, a := range c.audio {
		if a.at >= 0 {
			in = append(in, muxInput{Audio, a.at, &frame{data: a.data}})
		}
	}
	slices.SortStableFunc(in, func(a, b muxInput) int { return int(a.at - b.at) })
	return in
}

// BenchmarkMuxWrite measures the muxer alone: header, every frame of the 10 s clip (300 video frames, 500 Opus
// packets, about 1.9 MB), Cues and Duration, into a file. ns/frame is what each written frame costs.
func BenchmarkMuxWrite(b *testing.B) {
	in := clipMuxInput(mainClip)
	root, err := os.OpenRoot(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		name := fmt.Sprintf("bench-%d.webm", n)
		n++
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		out := newSink(f)
		m := &muxer{width: mainClip.width, height: mainClip.height}
		if err := m.open(out); err != nil {
			b.Fatal(err)
		}
		for _, x := range in {
			m.write(x.kind, x.f, x.at)
		}
		m.close()
		if err := out.finish(); err != nil {
			b.Fatal(err)
		}
		_ = root.Remove(name)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(in)), "ns/frame")
}

// BenchmarkRecordClip measures a whole take: the 10 s clip's RTP packets and sender reports through WriteRTP (the
// assembler, the timeline, the muxer) and Close.
func BenchmarkRecordClip(b *testing.B) {
	evs := mainClip.events(sender{videoSeq: 1, audioSeq: 2, videoTS: 3, audioTS: 4, seed: 91})
	dir := b.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		name := fmt.Sprintf("bench-%d.webm", n)
		n++
		clk := &clock{}
		rec, err := Create(root, name, Config{now: clk.now})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range evs {
			clk.set(e.at)
			if e.sr != nil {
				rec.WriteSenderReport(e.kind, e.sr)
			} else if err := rec.WriteRTP(e.kind, e.pkt); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := rec.Close(); err != nil {
			b.Fatal(err)
		}
		_ = os.Remove(filepath.Join(dir, name))
	}
}
