// Command testmedia writes Takeone's test clips into a folder: camera.y4m and mic.wav for a browser's fake camera
// and microphone (Chromium: --use-file-for-fake-video-capture, --use-file-for-fake-audio-capture), clip.ivf (VP8)
// and clip.ogg (Opus) for WHIP clients and `takeone loadtest --clip`. A white flash and a beep start every second
// together, so A/V sync can be measured in a recording. Needs ffmpeg.
//
// Usage: go run ./scripts/testmedia OUTDIR [SECONDS] [WIDTHxHEIGHT] [FPS]
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/takeone/takeone/internal/testmedia"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testmedia:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) < 1 || len(args) > 4 {
		return fmt.Errorf("usage: testmedia OUTDIR [SECONDS] [WIDTHxHEIGHT] [FPS]")
	}
	spec := testmedia.Default
	var err error
	if len(args) > 1 {
		if spec.Seconds, err = strconv.Atoi(args[1]); err != nil {
			return fmt.Errorf("SECONDS %q is not a number", args[1])
		}
	}
	if len(args) > 2 {
		if _, err := fmt.Sscanf(args[2], "%dx%d", &spec.Width, &spec.Height); err != nil {
			return fmt.Errorf("size %q: write it like 640x480", args[2])
		}
	}
	if len(args) > 3 {
		if spec.FPS, err = strconv.Atoi(args[3]); err != nil {
			return fmt.Errorf("FPS %q is not a number", args[3])
		}
	}
	if err := testmedia.Make(context.Background(), args[0], spec); err != nil {
		return err
	}
	fmt.Printf("testmedia: %s/{camera.y4m,mic.wav,clip.ivf,clip.ogg} (%s)\n", args[0], spec)
	return nil
}
