package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/takeone/takeone/internal/rtc"
)

// ReceiverOptions configure the bare receiver.
type ReceiverOptions struct {
	// Ready gets one line, "loadtest receiver listening on http://127.0.0.1:PORT", once the receiver serves.
	Ready io.Writer
	// CPUProfile, when set, is where a CPU profile of the whole run is written (for go tool pprof).
	CPUProfile string
}

// readyPrefix starts the line the receiver prints once it serves; the load tool waits for it.
const readyPrefix = "loadtest receiver listening on "

// RunReceiver serves the baseline until ctx ends: a minimal WHIP endpoint on 127.0.0.1 whose peer connections come
// from the same WebRTC engine as the recorder's (rtc.New: VP8 + Opus, NACK, RTCP reports, TWCC, one UDP port,
// ICE-TCP on the web port), and that reads every RTP and RTCP packet and throws it away, counting video frames by
// their marker bit. POST /whip answers an offer; DELETE on the Location ends the session and answers
// {"frames": N, "packets": N}.
func RunReceiver(ctx context.Context, opts ReceiverOptions) error {
	if opts.CPUProfile != "" {
		f, err := os.Create(opts.CPUProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	engine, err := rtc.New(rtc.Config{UDPAddr: "127.0.0.1", TCP: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		ln.Close()
		return err
	}
	defer engine.Close()
	r := &receiver{engine: engine, sessions: map[string]*sink{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /whip", r.publish)
	mux.HandleFunc("DELETE /whip/{id}", r.end)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(engine.SplitListener(ln)) }()
	if opts.Ready != nil {
		fmt.Fprintf(opts.Ready, "%shttp://%s\n", readyPrefix, ln.Addr())
	}
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	r.closeAll()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

type receiver struct {
	engine *rtc.Engine
	mu     sync.Mutex
	next   int
	// sessions are the live ones, by id
	sessions map[string]*sink
}

// sink is one publisher's session: its peer connection and what its readers counted.
type sink struct {
	pc      *webrtc.PeerConnection
	frames  atomic.Int64 // video frames: packets with the marker bit set, one per distinct timestamp
	packets atomic.Int64 // RTP packets of both tracks

	mu      sync.Mutex
	closed  bool
	readers sync.WaitGroup
}

func (r *receiver) publish(w http.ResponseWriter, req *http.Request) {
	offer, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
	if err != nil || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/sdp") {
		http.Error(w, "send an SDP offer with Content-Type: application/sdp", http.StatusBadRequest)
		return
	}
	pc, err := r.engine.API().NewPeerConnection(r.engine.Configuration())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s := &sink{pc: pc}
	pc.OnTrack(s.onTrack)
	r.mu.Lock()
	r.next++
	id := strconv.Itoa(r.next)
	r.sessions[id] = s
	r.mu.Unlock()
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed {
			r.remove(id)
			go s.close()
		}
	})
	answer, err := answerOffer(pc, string(offer))
	if err != nil {
		r.remove(id)
		s.close()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Location", "/whip/"+id)
	w.Header().Set("Content-Type", "application/sdp")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

func (r *receiver) end(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	s := r.remove(id)
	if s == nil {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	s.close()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"frames":%d,"packets":%d}`, s.frames.Load(), s.packets.Load())
}

func (r *receiver) remove(id string) *sink {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sessions[id]
	delete(r.sessions, id)
	return s
}

func (r *receiver) closeAll() {
	r.mu.Lock()
	live := r.sessions
	r.sessions = map[string]*sink{}
	r.mu.Unlock()
	for _, s := range live {
		s.close()
	}
}

// answerOffer sets the offer and returns the answer with every local candidate in it, as the ingest does.
func answerOffer(pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
	}
	return pc.LocalDescription().SDP, nil
}

// onTrack reads the track's RTP and its receiver's RTCP until the connection closes. Called by pion.
func (s *sink) onTrack(track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	video := track.Kind() == webrtc.RTPCodecTypeVideo
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.readers.Add(2)
	go func() {
		defer s.readers.Done()
		var last uint32
		counted := false
		for {
			pkt, _, err := track.ReadRTP()
			if err != nil {
				return
			}
			s.packets.Add(1)
			if video && pkt.Marker && (!counted || pkt.Timestamp != last) {
				s.frames.Add(1)
				last, counted = pkt.Timestamp, true
			}
		}
	}()
	go func() {
		defer s.readers.Done()
		for {
			if _, _, err := receiver.ReadRTCP(); err != nil {
				return
			}
		}
	}()
}

// close ends the connection and waits for the readers.
func (s *sink) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	_ = s.pc.Close()
	s.readers.Wait()
}
