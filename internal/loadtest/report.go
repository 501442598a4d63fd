package loadtest

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Report is the outcome of a run: each mode's result and, with both, the recorder's cost as a multiple of the
// bare receiver's.
type Report struct {
	Machine  Machine `json:"machine"`
	Sessions int     `json:"sessions"`
	Seconds  float64 `json:"seconds"`
	Clip     Clip    `json:"clip"`
	Recorder *Result `json:"recorder,omitempty"`
	Baseline *Result `json:"baseline,omitempty"`
	Ratio    *Ratio  `json:"ratio,omitempty"`
}

// Result is one mode's measurements. The server's CPU and memory are its process's, from /proc, over the window
// from the moment the takes start to the last DELETE's answer.
type Result struct {
	Mode   string   `json:"mode"`
	Takes  int      `json:"takes"`
	Failed int      `json:"failed"`
	Errors []string `json:"errors,omitempty"` // the first few distinct reasons takes failed
	// Setup is the time from the take request (baseline: the WHIP offer) to a connected peer connection.
	Setup Quantiles `json:"setup"`
	// Delete is the time from DELETE sent to its 200, which the recorder sends once the file is saved into the
	// answer: DELETE-to-playable. The baseline answers once the connection is closed.
	Delete     Quantiles `json:"delete"`
	FramesSent int64     `json:"frames_sent"`
	// FramesRecorded is, for the recorder, the video frames ffprobe decodes in the saved files; for the baseline,
	// the frames the receiver got (marker bits).
	FramesRecorded int64   `json:"frames_recorded"`
	FramesPercent  float64 `json:"frames_recorded_percent"`
	WindowSeconds  float64 `json:"window_seconds"`
	CPUSeconds     float64 `json:"cpu_seconds"` // user + system time of the server process in the window
	CPUCores       float64 `json:"cpu_cores"`   // CPUSeconds / WindowSeconds
	// UDPDrops counts the datagrams the kernel dropped in the window because the server's UDP receive buffer
	// was full: media lost before the server read it.
	UDPDrops      int64   `json:"udp_drops"`
	PeakMemoryMiB float64 `json:"peak_memory_mib"`
	IdleMemoryMiB float64 `json:"idle_memory_mib"` // resident memory before the takes started
	// LoadToolCores is what the publishers (this process) used in the window: on a small machine they compete
	// with the server for the same cores.
	LoadToolCores float64 `json:"load_tool_cores"`
}

// Ratio is recorder / baseline, from the same run.
type Ratio struct {
	// CPU compares CPU seconds: both modes received the same takes of the same clip.
	CPU        float64 `json:"cpu"`
	PeakMemory float64 `json:"peak_memory"`
	// MemoryGrowth compares peak minus idle memory: what the takes themselves cost.
	MemoryGrowth float64 `json:"memory_growth"`
}

func ratio(rec, base *Result) *Ratio {
	if rec == nil || base == nil {
		return nil
	}
	div := func(a, b float64) float64 {
		if b <= 0 {
			return 0
		}
		return round(a/b, 2)
	}
	return &Ratio{
		CPU:          div(rec.CPUSeconds, base.CPUSeconds),
		PeakMemory:   div(rec.PeakMemoryMiB, base.PeakMemoryMiB),
		MemoryGrowth: div(rec.PeakMemoryMiB-rec.IdleMemoryMiB, base.PeakMemoryMiB-base.IdleMemoryMiB),
	}
}

// Failed counts the takes that failed in every mode.
func (r *Report) Failed() int {
	n := 0
	for _, res := range []*Result{r.Recorder, r.Baseline} {
		if res != nil {
			n += res.Failed
		}
	}
	return n
}

// WriteTable prints the report for a person: one column per mode, and the ratio.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "Takeone load test: %d concurrent takes × %g s on loopback\n", r.Sessions, r.Seconds)
	fmt.Fprintf(w, "clip: %dx%d %g fps VP8 %g kbit/s + Opus, %g s\n", r.Clip.Width, r.Clip.Height, r.Clip.FPS, r.Clip.VideoKbps, r.Clip.Seconds)
	m := r.Machine
	fmt.Fprintf(w, "machine: %d cores, %s, %g GiB, %s, load average %.2f at start\n\n", m.CPUs, m.CPUModel, m.MemoryGiB, m.Go, m.LoadAverage)

	var cols []*Result
	header := []string{""}
	for _, res := range []*Result{r.Recorder, r.Baseline} {
		if res != nil {
			cols = append(cols, res)
			header = append(header, res.Mode)
		}
	}
	if r.Ratio != nil {
		header = append(header, "recorder/baseline")
	}
	var rows [][]string
	row := func(name string, cell func(*Result) string, ratio string) {
		cells := []string{name}
		for _, res := range cols {
			cells = append(cells, cell(res))
		}
		if r.Ratio != nil {
			cells = append(cells, ratio)
		}
		rows = append(rows, cells)
	}
	rows = append(rows, header)
	row("takes failed", func(res *Result) string { return fmt.Sprintf("%d / %d", res.Failed, res.Takes) }, "")
	row("setup p50 / p99 (ms)", func(res *Result) string { return msPair(res.Setup) }, "")
	row("DELETE answered p50 / p99 (ms)", func(res *Result) string { return msPair(res.Delete) }, "")
	row("video frames sent", func(res *Result) string { return fmt.Sprint(res.FramesSent) }, "")
	row("video frames recorded", func(res *Result) string {
		return fmt.Sprintf("%d (%.2f %%)", res.FramesRecorded, res.FramesPercent)
	}, "")
	row("UDP datagrams dropped (buffer full)", func(res *Result) string { return fmt.Sprint(res.UDPDrops) }, "")
	row("server CPU (s)", func(res *Result) string { return fmt.Sprintf("%.1f", res.CPUSeconds) }, ratioCell(r.Ratio, func(x *Ratio) float64 { return x.CPU }))
	row("server cores used (avg)", func(res *Result) string {
		return fmt.Sprintf("%.2f over %.0f s", res.CPUCores, res.WindowSeconds)
	}, "")
	row("server peak memory (MiB)", func(res *Result) string { return fmt.Sprintf("%.0f", res.PeakMemoryMiB) }, ratioCell(r.Ratio, func(x *Ratio) float64 { return x.PeakMemory }))
	row("  before the takes", func(res *Result) string { return fmt.Sprintf("%.0f", res.IdleMemoryMiB) }, "")
	row("  growth under load", func(res *Result) string { return fmt.Sprintf("%.0f", res.PeakMemoryMiB-res.IdleMemoryMiB) }, ratioCell(r.Ratio, func(x *Ratio) float64 { return x.MemoryGrowth }))
	row("load tool cores used (avg)", func(res *Result) string { return fmt.Sprintf("%.2f", res.LoadToolCores) }, "")
	writeColumns(w, rows)

	fmt.Fprintln(w)
	fmt.Fprintln(w, "setup: take request (baseline: WHIP offer) to connected. DELETE answered: the recorder answers once the file")
	fmt.Fprintln(w, "is saved into the answer (DELETE-to-playable). Recorded frames: ffprobe on the saved files (baseline: marker")
	fmt.Fprintln(w, "bits received). CPU and memory: the server process only, from /proc; the publishers share the same cores.")
	for _, res := range cols {
		for _, e := range res.Errors {
			fmt.Fprintf(w, "%s: a take failed: %s\n", res.Mode, e)
		}
	}
}

// writeColumns prints rows as a table: the first column left-aligned, the others right-aligned.
func writeColumns(w io.Writer, rows [][]string) {
	var widths []int
	for _, cells := range rows {
		for i, c := range cells {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, cells := range rows {
		var b strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("   " + pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// msPair is "p50 / p99", with a decimal for times under 10 ms.
func msPair(q Quantiles) string {
	f := func(x float64) string {
		if x < 10 {
			return fmt.Sprintf("%.1f", x)
		}
		return fmt.Sprintf("%.0f", x)
	}
	return f(q.P50) + " / " + f(q.P99)
}

func ratioCell(r *Ratio, f func(*Ratio) float64) string {
	if r == nil || f(r) == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f×", f(r))
}
