package recorder

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

const diskFullEnv = "RECORDER_TEST_DISK_FULL"

// When the disk fills up, WriteRTP reports it (so the ingest ends the take) instead of panicking or blocking, and
// Close returns the error. The limit is real: the test runs itself in a child process with RLIMIT_FSIZE, where a
// write past 256 KiB fails with EFBIG, as it would with ENOSPC on a full disk.
func TestDiskFull(t *testing.T) {
	if os.Getenv(diskFullEnv) == "1" {
		diskFullChild(t)
		return
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFull$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), diskFullEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("take failed as it should")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "take failed") {
			t.Log(strings.TrimSpace(line))
		}
	}
}

func diskFullChild(t *testing.T) {
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit then fails with EFBIG instead of killing us
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	tk := newTake(t)
	lim.Cur = 256 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	err := tk.feed(mainClip.events(sender{videoSeq: 1, audioSeq: 2, videoTS: 3, audioTS: 4, seed: 31}))
	if err == nil {
		t.Fatal("10 s of media written past a 256 KiB limit without an error")
	}
	if !errors.Is(err, syscall.EFBIG) {
		t.Errorf("WriteRTP: %v, want EFBIG", err)
	}
	if err2 := tk.rec.WriteRTP(Video, &rtp.Packet{Payload: []byte{1}}); !errors.Is(err2, syscall.EFBIG) {
		t.Errorf("WriteRTP after the failure: %v", err2)
	}
	stats, cerr := tk.rec.Close()
	if !errors.Is(cerr, syscall.EFBIG) {
		t.Errorf("Close: %v, want the write error", cerr)
	}
	t.Logf("take failed as it should at %s of media: %v (Close: %v, %d bytes)", tk.clock.elapsed(), err, cerr,
		stats.Bytes)
}

// No goroutine outlives Close: neither ebml-go's writer nor the flush timer.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := range 3 {
		tk := newTake(t)
		var evs []event
		for _, e := range mainClip.events(sender{seed: uint64(40 + i)}) {
			if e.at < 3*time.Second {
				evs = append(evs, e)
			}
		}
		if err := tk.feed(evs); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		tk.close()
	}
	// a timer that fired just before Close may still be returning
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// Garbage never panics: random payloads, headers, timestamps and reports, with and without a real stream around
// them; the recorder stays usable and Close returns.
func TestGarbage(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(51, 52))
	garbage := func() *rtp.Packet {
		p := &rtp.Packet{Header: rtp.Header{
			Version: 2, Marker: rng.IntN(2) == 0, SequenceNumber: uint16(rng.Uint32()), Timestamp: rng.Uint32(),
		}}
		switch rng.IntN(4) {
		case 0: // nothing
		case 1: // a plausible VP8 descriptor, then noise
			p.Payload = append([]byte{0x10, byte(rng.IntN(256)) & 0xfe, 0x9d, 0x01, 0x2a}, randomBytes(rng, rng.IntN(2000))...)
		default:
			p.Payload = randomBytes(rng, rng.IntN(1500))
		}
		return p
	}
	report := func() *rtcp.SenderReport {
		return &rtcp.SenderReport{NTPTime: rng.Uint64(), RTPTime: rng.Uint32()}
	}

	t.Run("only garbage", func(t *testing.T) {
		tk := newTake(t)
		for i := range 20000 {
			tk.clock.set(time.Duration(i) * time.Millisecond)
			kind := Kind(rng.IntN(2))
			if rng.IntN(50) == 0 {
				tk.rec.WriteSenderReport(kind, report())
			}
			if err := tk.rec.WriteRTP(kind, garbage()); err != nil {
				t.Fatal(err)
			}
		}
		_ = tk.rec.WriteRTP(Audio, nil)
		_ = tk.rec.WriteRTP(Kind(7), garbage())
		tk.rec.WriteSenderReport(Video, nil)
		if _, err := tk.rec.Close(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("garbage among real packets", func(t *testing.T) {
		tk := newTake(t)
		for _, e := range mainClip.events(sender{seed: 53}) {
			tk.clock.set(e.at)
			if rng.IntN(100) == 0 {
				if err := tk.rec.WriteRTP(e.kind, garbage()); err != nil {
					t.Fatal(err)
				}
				tk.rec.WriteSenderReport(e.kind, report())
			}
			if e.sr != nil {
				tk.rec.WriteSenderReport(e.kind, e.sr)
			} else if err := tk.rec.WriteRTP(e.kind, e.pkt); err != nil {
				t.Fatal(err)
			}
		}
		stats := tk.close()
		if stats.VideoFrames == 0 {
			t.Errorf("nothing recorded: %+v", stats)
		}
	})
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}
