package rtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/webrtc/v4"
)

// udpReadBuffer is the receive buffer asked for the one UDP port: about 0.2 s of 100 takes at 1.5 Mbit/s.
const udpReadBuffer = 4 << 20

// listenUDP binds the one UDP port and turns the usual failures into messages
// that name the setting to change.
func listenUDP(ip net.IP, port int) (*net.UDPConn, error) {
	network := "udp" // dual stack when ip is nil
	switch {
	case ip == nil:
	case ip.To4() != nil:
		network = "udp4"
	default:
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, &net.UDPAddr{IP: ip, Port: port})
	if err == nil {
		// every take's media arrives on this one socket: the kernel's default buffer (about 200 KiB) overflows
		// with dozens of takes, dropping packets; the kernel caps the request at net.core.rmem_max
		_ = conn.SetReadBuffer(udpReadBuffer)
		return conn, nil
	}

	where := "all addresses"
	if ip != nil {
		where = ip.String()
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("webrtc.udp_port %d is already in use on %s: stop the program that uses it "+
			"or set webrtc.udp_port to a free port: %w", port, where, err)
	case errors.Is(err, syscall.EACCES), errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("webrtc.udp_port %d is not allowed for this user (ports below 1024 need root or "+
			"CAP_NET_BIND_SERVICE): set webrtc.udp_port to 1024 or above, or grant the capability: %w", port, err)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("webrtc.udp_port %d: %s is not an address of this machine: %w", port, where, err)
	default:
		return nil, fmt.Errorf("webrtc.udp_port %d: cannot listen on UDP %s: %w", port, where, err)
	}
}

// publicIPRules turns webrtc.public_ips into host-candidate rewrite rules:
// plain IPs replace the host's addresses of their family; "public/private"
// replaces one local address only.
func publicIPRules(entries []string) ([]webrtc.ICEAddressRewriteRule, error) {
	var catchAll []string
	var rules []webrtc.ICEAddressRewriteRule
	for _, entry := range entries {
		public, private, pinned := strings.Cut(strings.TrimSpace(entry), "/")
		if net.ParseIP(public) == nil || (pinned && net.ParseIP(private) == nil) {
			return nil, fmt.Errorf("webrtc.public_ips: %q is not an IP address or a \"public/private\" pair of IPs", entry)
		}
		if !pinned {
			catchAll = append(catchAll, public)

			continue
		}
		rules = append(rules, webrtc.ICEAddressRewriteRule{
			External:        []string{public},
			Local:           private,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
	}
	if len(catchAll) > 0 {
		// One rule: several catch-all rules for a family would conflict.
		rules = append(rules, webrtc.ICEAddressRewriteRule{
			External:        catchAll,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
	}

	return rules, nil
}

func parseSTUNServers(raw []string) ([]*stun.URI, error) {
	uris := make([]*stun.URI, 0, len(raw))
	for _, s := range raw {
		uri, err := stun.ParseURI(s)
		if err != nil {
			return nil, fmt.Errorf("webrtc.stun_servers: %q is not a STUN URL like stun:stun.example.com:3478: %w", s, err)
		}
		if uri.Scheme != stun.SchemeTypeSTUN || uri.Proto != stun.ProtoTypeUDP {
			return nil, fmt.Errorf("webrtc.stun_servers: %q: only stun: URLs over UDP are supported, "+
				"like stun:stun.example.com:3478", s)
		}
		uris = append(uris, uri)
	}

	return uris, nil
}

// stunRules asks the STUN servers for the public side of the UDP port and, when
// it differs from the port's own address, announces it beside the local
// addresses (append, so clients on the same network still connect directly).
// Failures are logged: the server still works for clients that reach it.
func stunRules(conn *net.UDPConn, uris []*stun.URI, timeout time.Duration, log *slog.Logger) []webrtc.ICEAddressRewriteRule {
	local := conn.LocalAddr().(*net.UDPAddr) //nolint:forcetypeassert // a UDPConn's address is a UDPAddr
	if local.IP.To4() == nil && !local.IP.IsUnspecified() {
		return nil // IPv6 is rarely behind NAT, and IPv4 servers cannot be reached from here
	}
	public, err := discoverPublicAddr(conn, uris, timeout)
	if err != nil {
		log.Warn("webrtc: STUN did not tell the public address; set webrtc.public_ips if clients cannot connect",
			"error", err)

		return nil
	}
	if public.Port() != uint16(local.Port) { //nolint:gosec // a bound port fits in uint16
		log.Warn("webrtc: the NAT changes the UDP port, so clients cannot reach it by the port STUN saw; "+
			"forward the UDP port to this host and set webrtc.public_ips",
			"udp_port", local.Port, "public", public.String())

		return nil
	}
	if isLocalIP(public.Addr()) {
		return nil // no NAT: the host candidates already carry it
	}
	log.Info("webrtc: public address from STUN", "public", public.Addr().String())

	return []webrtc.ICEAddressRewriteRule{{
		External:        []string{public.Addr().String()},
		AsCandidateType: webrtc.ICECandidateTypeHost,
		Mode:            webrtc.ICEAddressRewriteAppend,
	}}
}

func isLocalIP(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if prefix, err := netip.ParsePrefix(a.String()); err == nil && prefix.Addr().Unmap() == ip {
			return true
		}
	}

	return false
}

// discoverPublicAddr sends STUN binding requests from conn and returns the
// first XOR-MAPPED-ADDRESS answered. It runs before anything else reads conn.
func discoverPublicAddr(conn *net.UDPConn, uris []*stun.URI, timeout time.Duration) (netip.AddrPort, error) {
	defer func() { _ = conn.SetReadDeadline(time.Time{}) }()

	var errs []error
	for _, uri := range uris {
		public, err := stunBinding(conn, uri, timeout)
		if err == nil {
			return public, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", uri, err))
	}

	return netip.AddrPort{}, errors.Join(errs...)
}

func stunBinding(conn *net.UDPConn, uri *stun.URI, timeout time.Duration) (netip.AddrPort, error) {
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", uri.Host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	server := netip.AddrPortFrom(ips[0].Unmap(), uint16(uri.Port)) //nolint:gosec // ParseURI checks the port

	request, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	if err != nil {
		return netip.AddrPort{}, err
	}

	const retransmit = 500 * time.Millisecond // RFC 8489's initial RTO
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		if _, err := conn.WriteToUDPAddrPort(request.Raw, server); err != nil {
			return netip.AddrPort{}, err
		}
		next := time.Now().Add(retransmit)
		if next.After(deadline) {
			next = deadline
		}
		_ = conn.SetReadDeadline(next)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			var netErr net.Error
			if errors.As(err, &netErr) && netErr.Timeout() {
				break // send again
			}
			if err != nil {
				return netip.AddrPort{}, err
			}
			if netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) != server {
				continue
			}
			response := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if response.Decode() != nil || response.TransactionID != request.TransactionID {
				continue
			}
			if response.Type != stun.BindingSuccess {
				return netip.AddrPort{}, fmt.Errorf("STUN answered %s", response.Type)
			}
			var mapped stun.XORMappedAddress
			if err := mapped.GetFrom(response); err != nil {
				return netip.AddrPort{}, err
			}
			ip, ok := netip.AddrFromSlice(mapped.IP)
			if !ok {
				return netip.AddrPort{}, fmt.Errorf("STUN answered a malformed address %v", mapped.IP)
			}

			return netip.AddrPortFrom(ip.Unmap(), uint16(mapped.Port)), nil //nolint:gosec // a port
		}
	}

	return netip.AddrPort{}, fmt.Errorf("no answer within %s", timeout)
}
