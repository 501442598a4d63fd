// Package whipclient publishes a VP8 + Opus clip to a WHIP endpoint (RFC 9725) in real time, as a browser would.
// Tests and the load tool use it; it speaks only standard WHIP, so it also checks that any WHIP client can publish.
package whipclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// Options tune a publisher. The zero value publishes over real sockets with pion's defaults.
type Options struct {
	API           *webrtc.API // e.g. one on a vnet for loss tests; nil: VP8 + Opus with the default interceptors
	LoopbackOnly  bool        // with API nil: gather candidates on loopback only, so tests send nothing elsewhere
	Configuration webrtc.Configuration
	HTTP          *http.Client
}

// Session is one published take.
type Session struct {
	pc       *webrtc.PeerConnection
	http     *http.Client
	location string
	token    string
	video    *webrtc.TrackLocalStaticSample
	audio    *webrtc.TrackLocalStaticSample

	mu        sync.Mutex
	connects  int           // times the connection became connected
	connected chan struct{} // closed and replaced at each

	// Setup is the time from the offer to a connected peer connection.
	Setup        time.Duration
	VideoFrames  atomic.Int64 // frames written to the video track
	AudioPackets atomic.Int64
}

// NewAPI is a pion API with VP8, Opus and the default interceptors (NACK, RTCP reports, TWCC).
func NewAPI(s webrtc.SettingEngine) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(s)), nil
}

// Loopback is a SettingEngine whose candidates are on loopback addresses only.
func Loopback() webrtc.SettingEngine {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true) // pion leaves loopback out unless asked
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return se
}

// Publish offers a VP8 and an Opus track to whipURL and waits until the connection is up.
//
// Example:
//
//	s, err := whipclient.Publish(ctx, take.WHIPURL, take.WHIPToken, whipclient.Options{})
//	if err == nil {
//		err = s.Stream(ctx, whipclient.Media{IVF: "clip.ivf", Ogg: "clip.ogg"}, 10*time.Second)
//		s.Stop(ctx)
//	}
func Publish(ctx context.Context, whipURL, token string, opts Options) (*Session, error) {
	api := opts.API
	if api == nil {
		var se webrtc.SettingEngine
		if opts.LoopbackOnly {
			se = Loopback()
		}
		var err error
		if api, err = NewAPI(se); err != nil {
			return nil, err
		}
	}
	s := &Session{http: opts.HTTP, token: token, connected: make(chan struct{})}
	if s.http == nil {
		s.http = http.DefaultClient
	}
	start := time.Now()
	pc, err := api.NewPeerConnection(opts.Configuration)
	if err != nil {
		return nil, err
	}
	s.pc = pc
	if s.video, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "take"); err != nil {
		pc.Close()
		return nil, err
	}
	if s.audio, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, Channels: 2}, "audio", "take"); err != nil {
		pc.Close()
		return nil, err
	}
	for _, track := range []*webrtc.TrackLocalStaticSample{s.video, s.audio} {
		sender, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			pc.Close()
			return nil, err
		}
		go drainRTCP(sender.Sender())
	}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			s.mu.Lock()
			s.connects++
			close(s.connected)
			s.connected = make(chan struct{})
			s.mu.Unlock()
		}
	})

	offer, err := pc.CreateOffer(nil)
	if err != nil {
		pc.Close()
		return nil, err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		pc.Close()
		return nil, err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		pc.Close()
		return nil, ctx.Err()
	}

	res, body, err := s.do(ctx, http.MethodPost, whipURL, "application/sdp", pc.LocalDescription().SDP)
	if err != nil {
		pc.Close()
		return nil, err
	}
	if res.StatusCode != http.StatusCreated {
		pc.Close()
		return nil, &StatusError{Code: res.StatusCode, Body: body, RetryAfter: res.Header.Get("Retry-After")}
	}
	loc, err := url.Parse(whipURL)
	if err == nil {
		var ref *url.URL
		if ref, err = url.Parse(res.Header.Get("Location")); err == nil {
			s.location = loc.ResolveReference(ref).String()
		}
	}
	if err != nil || res.Header.Get("Location") == "" {
		pc.Close()
		return nil, fmt.Errorf("WHIP answer without a usable Location header")
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		pc.Close()
		return nil, fmt.Errorf("set the WHIP answer: %w", err)
	}
	if err := s.waitConnected(ctx, 0); err != nil {
		pc.Close()
		return nil, err
	}
	s.Setup = time.Since(start)
	return s, nil
}

// waitConnected waits until the connection has become connected more than after times.
func (s *Session) waitConnected(ctx context.Context, after int) error {
	for {
		s.mu.Lock()
		n, changed := s.connects, s.connected
		s.mu.Unlock()
		if n > after {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("connect: %w", ctx.Err())
		}
	}
}

// Restart restarts ICE as a browser does when its network changes (RFC 9725 section 4.4): it takes new ICE
// credentials, PATCHes the session with them and its candidates, puts the server's new credentials and candidates
// into the remote description, and returns once the connection is up again. Media keeps its DTLS and SRTP
// session, so the take goes on in the same file.
func (s *Session) Restart(ctx context.Context) error {
	s.mu.Lock()
	before := s.connects
	s.mu.Unlock()
	offer, err := s.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err != nil {
		return fmt.Errorf("ICE restart offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(s.pc)
	if err := s.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("ICE restart offer: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return ctx.Err()
	}
	// an ICE restart applies to whatever the session is now: If-Match "*" (RFC 9725 section 4.4)
	res, body, err := s.send(ctx, http.MethodPatch, s.location, "application/trickle-ice-sdpfrag",
		fragment(s.pc.LocalDescription().SDP), http.Header{"If-Match": {"*"}})
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return &StatusError{Code: res.StatusCode, Body: body}
	}
	frag := parseFragment(body)
	if frag.ufrag == "" || frag.pwd == "" {
		return fmt.Errorf("the ICE restart answer has no new credentials: %q", body)
	}
	answer := webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer,
		SDP: withCredentials(s.pc.RemoteDescription().SDP, frag.ufrag, frag.pwd)}
	if err := s.pc.SetRemoteDescription(answer); err != nil {
		return fmt.Errorf("apply the ICE restart answer: %w", err)
	}
	for _, c := range frag.candidates {
		if err := s.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c, SDPMid: &frag.mid}); err != nil {
			return fmt.Errorf("add the server's candidate %q: %w", c, err)
		}
	}
	return s.waitConnected(ctx, before)
}

// StatusError is a WHIP request the server refused.
type StatusError struct {
	Code       int
	Body       string
	RetryAfter string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("WHIP server answered %d: %s", e.Code, e.Body)
}

func drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

func (s *Session) do(ctx context.Context, method, target, contentType, body string) (*http.Response, string, error) {
	return s.send(ctx, method, target, contentType, body, nil)
}

// send makes one request with the session's token and returns the response with its body read.
func (s *Session) send(ctx context.Context, method, target, contentType, body string,
	header http.Header) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := s.http.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res, string(b), err
}

// Location is the WHIP session URL the server gave.
func (s *Session) Location() string { return s.location }

// PeerConnection is the publisher's connection, for tests that need to look inside.
func (s *Session) PeerConnection() *webrtc.PeerConnection { return s.pc }

// Media names a clip: VP8 in IVF and Opus in Ogg, as testmedia makes them.
type Media struct {
	IVF string
	Ogg string
}

// ClipIn names the clip.ivf and clip.ogg in dir, as package testmedia writes them.
func ClipIn(dir string) Media {
	return Media{IVF: filepath.Join(dir, "clip.ivf"), Ogg: filepath.Join(dir, "clip.ogg")}
}

// Stream sends the clip in real time for at most d (or until the clip ends), video and audio together.
func (s *Session) Stream(parent context.Context, m Media, d time.Duration) error {
	start := time.Now()
	ctx, cancel := context.WithDeadline(parent, start.Add(d))
	defer cancel()
	errs := make(chan error, 2)
	// media time ends at d whatever the scheduler does: a late timer must not race the deadline into extra frames
	go func() { errs <- s.streamVideo(ctx, m.IVF, start, d) }()
	go func() { errs <- s.streamAudio(ctx, m.Ogg, start, d) }()
	err := errors.Join(<-errs, <-errs)
	// our own deadline is the normal end; the caller's context ending is not
	if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
		return nil
	}
	return err
}

// wait sleeps until start+at, or returns the context's error.
func wait(ctx context.Context, start time.Time, at time.Duration) error {
	t := time.NewTimer(time.Until(start.Add(at)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Session) streamVideo(ctx context.Context, path string, start time.Time, d time.Duration) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r, header, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	frameDur := time.Second * time.Duration(header.TimebaseNumerator) / time.Duration(header.TimebaseDenominator)
	for i := 0; ; i++ {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if time.Duration(i)*frameDur >= d {
			return context.DeadlineExceeded
		}
		if err := wait(ctx, start, time.Duration(i)*frameDur); err != nil {
			return err
		}
		if err := s.video.WriteSample(media.Sample{Data: frame, Duration: frameDur}); err != nil {
			return err
		}
		s.VideoFrames.Add(1)
	}
}

func (s *Session) streamAudio(ctx context.Context, path string, start time.Time, d time.Duration) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var granule uint64
	var at time.Duration
	for {
		page, header, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if bytes.HasPrefix(page, []byte("OpusTags")) {
			continue
		}
		samples := header.GranulePosition - granule
		granule = header.GranulePosition
		dur := time.Duration(samples) * time.Second / 48000
		if at >= d {
			return context.DeadlineExceeded
		}
		if err := wait(ctx, start, at); err != nil {
			return err
		}
		if err := s.audio.WriteSample(media.Sample{Data: page, Duration: dur}); err != nil {
			return err
		}
		at += dur
		s.AudioPackets.Add(1)
	}
}

// Stop ends the take with DELETE, as a client that is done does, and returns the server's answer.
func (s *Session) Stop(ctx context.Context) (string, error) {
	defer s.pc.Close()
	res, body, err := s.do(ctx, http.MethodDelete, s.location, "", "")
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return body, &StatusError{Code: res.StatusCode, Body: body}
	}
	return body, nil
}

// Abort drops the connection without a word, as a closed tab or a dead phone does.
func (s *Session) Abort() { s.pc.Close() }
