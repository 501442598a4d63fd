// Package rtc is the WebRTC layer of the recorder: the pion API that answers
// candidates' WHIP offers (VP8 + Opus, receive only), the one UDP port all ICE
// traffic shares, and passive ICE-TCP multiplexed on the web server's TCP port
// for networks that block UDP.
package rtc

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// Config is the webrtc section of the configuration.
type Config struct {
	// UDPPort is the one UDP port all ICE traffic uses (webrtc.udp_port).
	// 0 picks a free port, which only tests want.
	UDPPort int
	// UDPAddr is the IP to bind the UDP port on; "" binds all addresses.
	// Loopback candidates are announced only when this is a loopback address.
	UDPAddr string
	// TCP turns on passive ICE-TCP on the web server's TCP port (webrtc.tcp),
	// see Engine.SplitListener.
	TCP bool
	// PublicIPs are announced instead of the host's own addresses when the
	// server sits behind a 1:1 NAT (webrtc.public_ips). An entry is an IP, or
	// "public/private" to map one local address only.
	PublicIPs []string
	// STUNServers are asked once, at start and from the UDP port itself, for
	// the server's public address (webrtc.stun_servers), e.g.
	// "stun:stun.example.com:3478". Ignored when PublicIPs is set.
	STUNServers []string
	// Net is the network the UDP port is bound on and ICE runs over; nil is
	// the host's. It is no setting of the configuration: tests pass a pion
	// vnet here to put loss, delay or a cut between the server and a client.
	// With Net, UDPAddr must be one of its addresses, and neither TCP nor
	// STUNServers can be used (both need the host's sockets).
	Net transport.Net
}

// Engine owns the UDP socket, the ICE-TCP mux and the pion API built on them.
// Every PeerConnection of the recorder comes from Engine.API, so all of them
// share the one UDP port and the web port.
type Engine struct {
	log     *slog.Logger
	opts    options
	udpConn net.PacketConn
	udpMux  ice.UDPMux
	tcpLn   *muxListener // nil when ICE-TCP is off
	tcpMux  ice.TCPMux   // nil when ICE-TCP is off
	api     *webrtc.API

	closeOnce sync.Once
	closeErr  error
}

// options are the internal knobs tests shorten.
type options struct {
	// sniffTimeout bounds how long SplitListener waits for the first bytes
	// of a connection before handing it to the web server.
	sniffTimeout time.Duration
	// maxSniffers bounds the connections being sniffed at once.
	maxSniffers int
	// stunTimeout bounds the question to each STUN server at start.
	stunTimeout time.Duration
}

var defaultOptions = options{
	// Long enough for a lost first segment on a mobile network to be
	// retransmitted (initial RTO is 1 s), short enough to free the slot.
	sniffTimeout: 3 * time.Second,
	maxSniffers:  1024,
	stunTimeout:  2 * time.Second,
}

// New validates cfg, binds the UDP port and builds the pion API. A port that
// is in use or not allowed is reported with the key to change
// (webrtc.udp_port), so the operator knows what to do.
//
// Example:
//
//	engine, err := rtc.New(rtc.Config{UDPPort: 8443, TCP: true}, logger)
//	if err != nil {
//		return err
//	}
//	defer engine.Close()
//
//	ln, err := net.Listen("tcp", ":8443")
//	if err != nil {
//		return err
//	}
//	go server.Serve(engine.SplitListener(ln)) // or tls.NewListener(engine.SplitListener(ln), tlsConfig)
//
//	pc, err := engine.API().NewPeerConnection(engine.Configuration())
func New(cfg Config, logger *slog.Logger) (*Engine, error) {
	return newEngine(cfg, logger, defaultOptions)
}

func newEngine(cfg Config, logger *slog.Logger, opts options) (*Engine, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bindIP, err := cfg.bindIP()
	if err != nil {
		return nil, err
	}
	rules, err := publicIPRules(cfg.PublicIPs)
	if err != nil {
		return nil, err
	}
	stunURIs, err := parseSTUNServers(cfg.STUNServers)
	if err != nil {
		return nil, err
	}

	var conn net.PacketConn
	if cfg.Net != nil {
		if conn, err = listenVirtualUDP(cfg); err != nil {
			return nil, err
		}
	} else {
		udp, err := listenUDP(bindIP, cfg.UDPPort)
		if err != nil {
			return nil, err
		}
		if len(rules) == 0 && len(stunURIs) > 0 {
			// Asked here, before the mux owns the socket: the answer names the
			// public side of the one UDP port, which per-PeerConnection STUN
			// gathering (on ephemeral ports) would not.
			rules = stunRules(udp, stunURIs, opts.stunTimeout, logger)
		}
		conn = udp
	}
	local := conn.LocalAddr().(*net.UDPAddr) //nolint:forcetypeassert // a UDP socket's address is a UDPAddr

	logs := pionLogs{log: logger}
	e := &Engine{
		log:     logger,
		opts:    opts,
		udpConn: conn,
		udpMux:  webrtc.NewICEUDPMux(logs.NewLogger("ice-udp"), conn),
	}
	if cfg.TCP {
		e.tcpLn = newMuxListener()
		// 64 queued packets per connection; a full queue holds TCP back
		// rather than dropping media.
		e.tcpMux = webrtc.NewICETCPMux(logs.NewLogger("ice-tcp"), e.tcpLn, 64)
	}

	api, err := newAPI(apiParams{
		logs:      logs,
		udpMux:    e.udpMux,
		tcpMux:    e.tcpMux,
		tcpLn:     e.tcpLn,
		udpIP:     local.IP,
		loopback:  local.IP.IsLoopback(),
		rewriteIP: rules,
		net:       cfg.Net,
	})
	if err != nil {
		_ = e.Close()

		return nil, err
	}
	e.api = api

	logger.Info("webrtc: listening", "udp", local.String(), "ice_tcp", cfg.TCP)

	return e, nil
}

// API returns the pion API every recorder PeerConnection is made with:
// VP8 + Opus, NACK, RTCP reports and transport-wide congestion control
// feedback (so browsers ramp their bitrate up quickly), all ICE traffic on
// the one UDP port and, when on, ICE-TCP on the web port.
func (e *Engine) API() *webrtc.API {
	return e.api
}

// Configuration returns the PeerConnection configuration to use with API.
// It holds no ICE servers: the server's public address comes from
// Config.PublicIPs or from STUN asked once at start through the UDP port, so
// no PeerConnection opens sockets of its own.
func (e *Engine) Configuration() webrtc.Configuration {
	return webrtc.Configuration{}
}

// UDPAddr returns the local address of the UDP port.
func (e *Engine) UDPAddr() *net.UDPAddr {
	addr := *e.udpConn.LocalAddr().(*net.UDPAddr) //nolint:forcetypeassert // a UDP socket's address is a UDPAddr

	return &addr
}

// Close closes the UDP port and the ICE-TCP mux. Listeners from
// SplitListener keep serving the web server but stop diverting ICE-TCP.
// Close the PeerConnections first.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		var errs []error
		if e.tcpMux != nil {
			errs = append(errs, e.tcpMux.Close())
		}
		errs = append(errs, e.udpMux.Close()) // closes the socket too
		e.closeErr = errors.Join(errs...)
	})

	return e.closeErr
}

// listenVirtualUDP binds the UDP port on Config.Net, which only tests set.
func listenVirtualUDP(cfg Config) (net.PacketConn, error) {
	ip := net.ParseIP(cfg.UDPAddr)
	switch {
	case ip == nil || ip.IsUnspecified():
		return nil, errors.New("webrtc: a virtual network needs UDPAddr set to one of its addresses")
	case cfg.TCP:
		return nil, errors.New("webrtc: ICE-TCP runs on the web server's port, which a virtual network does not have")
	case len(cfg.STUNServers) > 0:
		return nil, errors.New("webrtc: STUN servers are asked over the host's network, not a virtual one")
	}
	conn, err := cfg.Net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: cfg.UDPPort})
	if err != nil {
		return nil, fmt.Errorf("webrtc: cannot listen on UDP %s:%d of the virtual network: %w", ip, cfg.UDPPort, err)
	}

	return conn, nil
}

func (c Config) bindIP() (net.IP, error) {
	if c.UDPPort < 0 || c.UDPPort > 65535 {
		return nil, fmt.Errorf("webrtc.udp_port %d is not a port number: use 1-65535", c.UDPPort)
	}
	if c.UDPAddr == "" {
		return nil, nil
	}
	ip := net.ParseIP(c.UDPAddr)
	if ip == nil {
		return nil, fmt.Errorf("webrtc: UDP address %q is not an IP address", c.UDPAddr)
	}

	return ip, nil
}
