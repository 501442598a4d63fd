package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/testtool"
)

// binary is the takeone executable built once for the tests: the children of a run are started from it.
var binary string

func TestMain(m *testing.M) { testtool.MainWithTakeone(m, &binary) }

// A small real run of both modes: a real server and a real bare receiver, two takes of three seconds each.
func TestRunMeasuresBothModes(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	clip, err := MakeClip(ctx, t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if clip.Frames != 90 || clip.Width != 640 || clip.VideoKbps < 1000 {
		t.Fatalf("clip = %+v, want 90 frames of 640x480 at about 1.5 Mbit/s", clip)
	}
	var progress bytes.Buffer
	started := time.Now()
	report, err := Run(ctx, Config{
		Binary:   binary,
		Sessions: 2,
		Duration: 3 * time.Second,
		Clip:     clip,
		Modes:    []Mode{Recorder, Baseline},
		Progress: &progress,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	t.Logf("run took %s", time.Since(started).Round(time.Second))
	var table bytes.Buffer
	report.WriteTable(&table)
	t.Log("\n" + table.String())

	if report.Failed() != 0 {
		t.Errorf("%d takes failed", report.Failed())
	}
	for _, res := range []*Result{report.Recorder, report.Baseline} {
		if res == nil {
			t.Fatal("a mode is missing from the report")
		}
		if res.Takes != 2 || res.Failed != 0 {
			t.Errorf("%s: %d of %d takes failed: %v", res.Mode, res.Failed, res.Takes, res.Errors)
		}
		if res.FramesSent < 85 || res.FramesSent > 2*90 {
			t.Errorf("%s: %d frames sent by 2 takes of a 90-frame clip", res.Mode, res.FramesSent)
		}
		if res.FramesRecorded*100 < res.FramesSent*99 || res.FramesRecorded > res.FramesSent {
			t.Errorf("%s: %d of %d frames recorded, want at least 99 %%", res.Mode, res.FramesRecorded, res.FramesSent)
		}
		if res.Setup.N != 2 || res.Setup.P50 <= 0 || res.Setup.P99 < res.Setup.P50 || res.Setup.P99 > 90_000 {
			t.Errorf("%s: setup %+v", res.Mode, res.Setup)
		}
		if res.Delete.N != 2 || res.Delete.P99 < res.Delete.P50 || res.Delete.P99 > 60_000 {
			t.Errorf("%s: DELETE %+v", res.Mode, res.Delete)
		}
		if res.CPUSeconds <= 0 || res.CPUCores <= 0 || res.WindowSeconds < 3 {
			t.Errorf("%s: CPU %g s over %g s, want > 0 over at least the takes' 3 s", res.Mode, res.CPUSeconds, res.WindowSeconds)
		}
		if res.PeakMemoryMiB < res.IdleMemoryMiB || res.IdleMemoryMiB <= 0 {
			t.Errorf("%s: memory idle %g MiB, peak %g MiB", res.Mode, res.IdleMemoryMiB, res.PeakMemoryMiB)
		}
	}
	if d := report.Recorder.Delete; d.P50 <= report.Baseline.Delete.P50 {
		t.Errorf("the recorder's DELETE (%g ms) is not slower than the bare receiver's (%g ms): is the file saved before it answers?",
			d.P50, report.Baseline.Delete.P50)
	}
	if r := report.Ratio; r == nil || r.CPU <= 0 || r.PeakMemory <= 0 {
		t.Fatalf("ratio = %+v, want CPU and memory ratios", r)
	}
	for _, want := range []string{"recorder/baseline", "takes failed", "0 / 2", "×"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	raw, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"machine", "clip", "recorder", "baseline", "ratio"} {
		if back[key] == nil {
			t.Errorf("the JSON lacks %q: %s", key, raw)
		}
	}
}

func TestQuantilesUseNearestRank(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var ds []time.Duration
		for _, x := range xs {
			ds = append(ds, time.Duration(x)*time.Millisecond)
		}
		return ds
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	for _, test := range []struct {
		name          string
		in            []time.Duration
		p50, p99, max float64
	}{
		{"none", nil, 0, 0, 0},
		{"one", ms(7), 7, 7, 7},
		{"two", ms(30, 10), 10, 30, 30},
		{"ten: p99 is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 100), 5, 100, 100},
		{"a hundred", ms(hundred...), 50, 99, 100},
	} {
		q := quantiles(test.in)
		if q.P50 != test.p50 || q.P99 != test.p99 || q.Max != test.max || q.N != len(test.in) {
			t.Errorf("%s: %+v, want p50 %g p99 %g max %g", test.name, q, test.p50, test.p99, test.max)
		}
	}
}

func TestFailedTakesAreCountedWithTheirReason(t *testing.T) {
	now := time.Now()
	idle := procSample{at: now, cpu: time.Second, rss: 10 << 20, hwm: 10 << 20}
	busy := procSample{at: now.Add(10 * time.Second), cpu: 6 * time.Second, rss: 20 << 20, hwm: 30 << 20}
	results := []takeResult{
		{setup: 20 * time.Millisecond, deleted: 5 * time.Millisecond, sent: 300, received: 300},
		{sent: 300, received: 0, err: errors.New("DELETE: 404 Not Found")},
		{err: errors.New("take request: 503 Service Unavailable")},
	}
	res := summarize(Recorder, results, idle, busy, idle, busy)
	if res.Failed != 2 || len(res.Errors) != 2 || res.Setup.N != 1 {
		t.Fatalf("result %+v, want 2 failed with their 2 reasons and 1 setup time", res)
	}
	if res.FramesSent != 600 || res.FramesRecorded != 300 || res.FramesPercent != 50 {
		t.Errorf("frames %d of %d (%g %%): a failed take's frames count as sent", res.FramesRecorded, res.FramesSent, res.FramesPercent)
	}
	if res.CPUSeconds != 5 || res.CPUCores != 0.5 || res.PeakMemoryMiB != 30 || res.IdleMemoryMiB != 10 {
		t.Errorf("CPU %g s, %g cores, memory %g / %g MiB", res.CPUSeconds, res.CPUCores, res.IdleMemoryMiB, res.PeakMemoryMiB)
	}
	report := &Report{Recorder: res}
	if report.Failed() != 2 || report.Ratio != nil {
		t.Errorf("report: %d failed, ratio %v", report.Failed(), report.Ratio)
	}
	var table bytes.Buffer
	report.WriteTable(&table)
	if !strings.Contains(table.String(), "503 Service Unavailable") || strings.Contains(table.String(), "recorder/baseline") {
		t.Errorf("the table of a recorder-only run with failures:\n%s", table.String())
	}
}

func TestSampleProcReadsThisProcess(t *testing.T) {
	s, err := sampleProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.rss <= 0 || s.hwm < s.rss {
		t.Errorf("rss %d, hwm %d", s.rss, s.hwm)
	}
	if _, err := sampleProc(1 << 30); err == nil {
		t.Error("a process that does not exist was sampled")
	}
}
