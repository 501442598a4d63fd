package rtc

import (
	"fmt"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// Payload types browsers use for these codecs; matching them keeps answers
// free of remapping.
const (
	payloadTypeOpus = 111
	payloadTypeVP8  = 96
)

// ICE timeouts for flaky mobile networks: a take is reported disconnected
// after 5 s of silence and failed 10 s later, so the recorder can close it as
// interrupted quickly; pion's default waits 25 s more.
const (
	iceDisconnectedTimeout = 5 * time.Second
	iceFailedTimeout       = 10 * time.Second
	iceKeepalive           = 2 * time.Second
)

// srtpReplayWindow is how far back (in packets) a retransmitted packet may
// arrive and still be accepted. Retransmissions reuse the media SSRC and
// sequence number (no RTX, see newAPI), so pion's default of 64 would drop
// repairs that arrive after a mobile round trip at video rates (~250
// packets/s).
const srtpReplayWindow = 1024

type apiParams struct {
	logs      pionLogs
	udpMux    ice.UDPMux
	tcpMux    ice.TCPMux
	tcpLn     *muxListener
	udpIP     net.IP
	loopback  bool
	rewriteIP []webrtc.ICEAddressRewriteRule
	net       transport.Net // nil: the host's network
}

func newAPI(p apiParams) (*webrtc.API, error) {
	media := &webrtc.MediaEngine{}
	for _, codec := range []struct {
		params webrtc.RTPCodecParameters
		kind   webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
				SDPFmtpLine: "minptime=10;useinbandfec=1",
			},
			PayloadType: payloadTypeOpus,
		}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
			PayloadType:        payloadTypeVP8,
		}, webrtc.RTPCodecTypeVideo},
	} {
		if err := media.RegisterCodec(codec.params, codec.kind); err != nil {
			return nil, fmt.Errorf("webrtc: register %s: %w", codec.params.MimeType, err)
		}
	}

	// No RTX: pion's TrackRemote would return packets repaired on an RTX
	// stream rewritten to the media's SSRC and sequence number, but pion's
	// NACK generator (interceptor v0.1.51) watches the media SSRC only, never
	// learns that a packet came back over RTX and asks for it again every
	// 100 ms until 512 newer packets arrived (pion/interceptor#320). At 5 %
	// loss that nearly doubled the traffic and lost frames, bounding the
	// NACKs per packet still lost some, where NACK alone lost none. Without
	// RTX in the answer, browsers resend on the media SSRC.
	//
	// NACK (+ PLI feedback), RTCP sender/receiver reports, stats and
	// transport-wide congestion control feedback; registered after the codecs
	// so their rtcp-fb lines attach to them.
	interceptors := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(media, interceptors,
		webrtc.WithInterceptorLoggerFactory(p.logs)); err != nil {
		return nil, fmt.Errorf("webrtc: register interceptors: %w", err)
	}

	settings := webrtc.SettingEngine{LoggerFactory: p.logs}
	if p.net != nil {
		settings.SetNet(p.net)
	}
	settings.SetICEUDPMux(p.udpMux)
	settings.SetNetworkTypes(networkTypes(p.udpIP, p.tcpMux != nil))
	if p.tcpMux != nil {
		settings.SetICETCPMux(p.tcpMux)
		// Decides which local addresses get a passive TCP candidate; only the
		// UDP mux bypasses it, so it shapes TCP candidates alone.
		settings.SetIPFilter(p.tcpLn.servesIP)
	}
	// Active TCP candidates dial out from the server; iOS fails on them and a
	// server has no use for them.
	settings.DisableActiveTCP(true)
	// ICE-lite, as media servers do: the server has known addresses and only answers the browser's checks. It
	// never sends checks of its own, so it never reaches a browser by a path the browser did not choose.
	settings.SetLite(true)
	// Browsers hide their addresses behind .local names that a server cannot
	// resolve; the server learns them from their checks instead. Disabling
	// mDNS also keeps each PeerConnection from opening a multicast socket.
	settings.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	settings.SetIncludeLoopbackCandidate(p.loopback)
	settings.SetICETimeouts(iceDisconnectedTimeout, iceFailedTimeout, iceKeepalive)
	settings.SetSRTPReplayProtectionWindow(srtpReplayWindow)
	if len(p.rewriteIP) > 0 {
		if err := settings.SetICEAddressRewriteRules(p.rewriteIP...); err != nil {
			return nil, fmt.Errorf("webrtc.public_ips: %w", err)
		}
	}

	return webrtc.NewAPI(
		webrtc.WithMediaEngine(media),
		webrtc.WithInterceptorRegistry(interceptors),
		webrtc.WithSettingEngine(settings),
	), nil
}

// networkTypes lists the ICE networks the sockets can serve: UDP4 and/or UDP6
// by the UDP bind address ("::" is dual stack), and TCP4 + TCP6 when ICE-TCP
// is on (the web listener, attached later, narrows them per address).
func networkTypes(udpIP net.IP, tcp bool) []webrtc.NetworkType {
	var types []webrtc.NetworkType
	switch {
	case udpIP.To4() != nil:
		types = append(types, webrtc.NetworkTypeUDP4)
	case udpIP.IsUnspecified():
		types = append(types, webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6)
	default:
		types = append(types, webrtc.NetworkTypeUDP6)
	}
	if tcp {
		types = append(types, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}

	return types
}
