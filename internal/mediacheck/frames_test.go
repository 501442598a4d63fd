package mediacheck

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPatternNumbersReadTheClip(t *testing.T) {
	clip, _ := makeClip(t)
	numbers, err := PatternNumbers(filepath.Join(clip, "clip.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(numbers) != 300 {
		t.Fatalf("%d frames, want 300", len(numbers))
	}
	for i, n := range numbers {
		want := i
		if i%30 == 0 {
			want = Flash
		}
		if n != want {
			t.Errorf("frame %d reads %d, want %d", i, n, want)
		}
	}
}

func TestFramesShowEverySize(t *testing.T) {
	clip, dir := makeClip(t)
	at := func(name string) string { return filepath.Join(dir, name) }
	// one second at 320x240, then one at 160x120, in one stream (copied, as a recorder stores what it receives)
	ffmpeg(t, "-i", filepath.Join(clip, "clip.ivf"), "-frames:v", "30", "-c", "copy", at("big.ivf"))
	ffmpeg(t, "-i", filepath.Join(clip, "clip.ivf"), "-frames:v", "30", "-vf", "scale=160:120", "-c:v", "libvpx", "-b:v", "300k", at("small.ivf"))
	list := "file '" + at("big.ivf") + "'\nfile '" + at("small.ivf") + "'\n"
	if err := os.WriteFile(at("list.txt"), []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	ffmpeg(t, "-f", "concat", "-safe", "0", "-i", at("list.txt"), "-c", "copy", at("both.webm"))
	frames, err := Frames(at("both.webm"))
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[[2]int]int{}
	for _, f := range frames {
		sizes[[2]int{f.Width, f.Height}]++
	}
	if len(frames) != 60 || sizes[[2]int{320, 240}] != 30 || sizes[[2]int{160, 120}] != 30 {
		t.Errorf("%d frames, sizes %v: want 30 of 320x240 and 30 of 160x120", len(frames), sizes)
	}
	if !frames[0].Key || !frames[30].Key || frames[30].At < frames[29].At {
		t.Errorf("frame 0 %+v, 29 %+v, 30 %+v: want keyframes at 0 and 30, in order", frames[0], frames[29], frames[30])
	}
	// the pattern's numbers survive the smaller size
	numbers, err := PatternNumbers(at("both.webm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(numbers) != 60 || numbers[0] != Flash || numbers[29] != 29 || numbers[30] != Flash || numbers[59] != 29 {
		t.Errorf("numbers %v", numbers)
	}
}
