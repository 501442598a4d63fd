package netfault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The kernel's NFQUEUE netlink protocol (linux/netfilter/nfnetlink_queue.h), the few parts a delay needs: bind
// to a queue, ask for the packets' metadata only, read each packet's id, and accept packets by id in batches.
const (
	nfnlSubsysQueue = 3
	msgPacket       = nfnlSubsysQueue<<8 | 0 // NFQNL_MSG_PACKET
	msgConfig       = nfnlSubsysQueue<<8 | 2 // NFQNL_MSG_CONFIG
	msgVerdictBatch = nfnlSubsysQueue<<8 | 3 // NFQNL_MSG_VERDICT_BATCH: every packet with an id up to this one

	attrPacketHdr   = 1 // NFQA_PACKET_HDR: be32 packet id, be16 hw protocol, u8 hook
	attrVerdictHdr  = 2 // NFQA_VERDICT_HDR: be32 verdict, be32 id
	attrCfgCmd      = 1 // NFQA_CFG_CMD: u8 command, u8 pad, be16 protocol family
	attrCfgParams   = 2 // NFQA_CFG_PARAMS: be32 copy range, u8 copy mode
	attrCfgMaxLen   = 3 // NFQA_CFG_QUEUE_MAXLEN: be32
	cmdBind         = 1 // NFQNL_CFG_CMD_BIND
	copyMeta        = 1 // NFQNL_COPY_META: no payload
	verdictAccept   = 1 // NF_ACCEPT
	queueMaxLen     = 8192
	nlmsgHeaderSize = 16
	nfgenHeaderSize = 4
)

// delayer holds every packet of one NFQUEUE queue for a fixed time and then lets it go, in arrival order.
type delayer struct {
	fd    int
	queue uint16
	delay time.Duration

	stop    chan struct{}
	done    sync.WaitGroup
	mu      sync.Mutex // guards err and sends on fd
	err     error
	seq     uint32
	packets chan queued
}

type queued struct {
	id uint32
	at time.Time
}

// newDelayer binds socket fd (a NETLINK_NETFILTER socket, already in the namespace whose packets it takes) to
// queue and starts holding its packets for delay.
func newDelayer(fd int, queue uint16, delay time.Duration) (*delayer, error) {
	d := &delayer{fd: fd, queue: queue, delay: delay, stop: make(chan struct{}), packets: make(chan queued, queueMaxLen)}
	// a receive timeout lets the reader see stop; a large buffer keeps bursts from overflowing the socket
	tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("netfault: SO_RCVTIMEO: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netfault: bind netlink: %w", err)
	}
	cmd := []byte{cmdBind, 0, 0, 0}
	if err := d.request(msgConfig, attr(attrCfgCmd, cmd)); err != nil {
		return nil, fmt.Errorf("netfault: bind queue %d: %w", queue, err)
	}
	params := binary.BigEndian.AppendUint32(nil, 0)
	params = append(params, copyMeta)
	maxLen := binary.BigEndian.AppendUint32(nil, queueMaxLen)
	if err := d.request(msgConfig, append(attr(attrCfgParams, params), attr(attrCfgMaxLen, maxLen)...)); err != nil {
		return nil, fmt.Errorf("netfault: configure queue %d: %w", queue, err)
	}
	d.done.Add(2)
	go d.read()
	go d.release()
	return d, nil
}

// attr encodes one netlink attribute, padded to 4 bytes.
func attr(typ uint16, payload []byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, uint16(4+len(payload)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// message encodes a netlink message of the queue subsystem: header, nfgenmsg (family unspecified, version 0, the
// queue number), attributes.
func (d *delayer) message(typ uint16, flags uint16, attrs []byte) []byte {
	d.seq++
	b := binary.NativeEndian.AppendUint32(nil, uint32(nlmsgHeaderSize+nfgenHeaderSize+len(attrs)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = binary.NativeEndian.AppendUint16(b, flags)
	b = binary.NativeEndian.AppendUint32(b, d.seq)
	b = binary.NativeEndian.AppendUint32(b, 0)
	b = append(b, unix.AF_UNSPEC, 0)
	b = binary.BigEndian.AppendUint16(b, d.queue)
	return append(b, attrs...)
}

// request sends a configuration message and waits for the kernel's acknowledgement (before any packet flows).
func (d *delayer) request(typ uint16, attrs []byte) error {
	msg := d.message(typ, unix.NLM_F_REQUEST|unix.NLM_F_ACK, attrs)
	if err := unix.Sendto(d.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(d.fd, buf, 0)
		if err != nil {
			return err
		}
		for _, m := range splitMessages(buf[:n]) {
			if m.typ == unix.NLMSG_ERROR && len(m.body) >= 4 {
				if code := int32(binary.NativeEndian.Uint32(m.body)); code != 0 {
					return unix.Errno(-code)
				}
				return nil
			}
		}
	}
}

type netlinkMessage struct {
	typ  uint16
	body []byte // after the netlink header
}

func splitMessages(b []byte) []netlinkMessage {
	var out []netlinkMessage
	for len(b) >= nlmsgHeaderSize {
		size := int(binary.NativeEndian.Uint32(b))
		if size < nlmsgHeaderSize || size > len(b) {
			break
		}
		out = append(out, netlinkMessage{typ: binary.NativeEndian.Uint16(b[4:]), body: b[nlmsgHeaderSize:size]})
		b = b[min((size+3)&^3, len(b)):]
	}
	return out
}

// packetID finds NFQA_PACKET_HDR in a packet message's body.
func packetID(body []byte) (uint32, bool) {
	if len(body) < nfgenHeaderSize {
		return 0, false
	}
	b := body[nfgenHeaderSize:]
	for len(b) >= 4 {
		size := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) & 0x3fff // without the nested and byte-order flags
		if size < 4 || size > len(b) {
			return 0, false
		}
		if typ == attrPacketHdr && size >= 8 {
			return binary.BigEndian.Uint32(b[4:]), true
		}
		b = b[min((size+3)&^3, len(b)):]
	}
	return 0, false
}

// read takes each queued packet's id and time of arrival.
func (d *delayer) read() {
	defer d.done.Done()
	defer close(d.packets)
	buf := make([]byte, 1<<16)
	for {
		select {
		case <-d.stop:
			return
		default:
		}
		n, _, err := unix.Recvfrom(d.fd, buf, 0)
		now := time.Now()
		switch {
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ENOBUFS):
			// the socket overflowed: those packets' ids are lost, but they are still queued, and the next batch
			// verdict (every id up to a later one) lets them go
			continue
		case err != nil:
			d.fail(fmt.Errorf("netfault: reading queue %d: %w", d.queue, err))
			return
		}
		for _, m := range splitMessages(buf[:n]) {
			if m.typ == unix.NLMSG_ERROR && len(m.body) >= 4 {
				if code := int32(binary.NativeEndian.Uint32(m.body)); code != 0 {
					d.fail(fmt.Errorf("netfault: queue %d: the kernel refused a verdict: %w", d.queue, unix.Errno(-code)))
				}
				continue
			}
			if m.typ != msgPacket {
				continue
			}
			if id, ok := packetID(m.body); ok {
				d.packets <- queued{id: id, at: now}
			}
		}
	}
}

// release lets each packet go once it has been held for the delay; packets that are due together go in one
// batch verdict.
func (d *delayer) release() {
	defer d.done.Done()
	for p := range d.packets {
		time.Sleep(time.Until(p.at.Add(d.delay)))
		last := p.id
	drain:
		for {
			select {
			case q, ok := <-d.packets:
				if !ok {
					break drain
				}
				if wait := time.Until(q.at.Add(d.delay)); wait > 0 {
					d.verdict(last)
					time.Sleep(wait)
				}
				last = q.id
			default:
				break drain
			}
		}
		d.verdict(last)
	}
}

// verdict accepts every queued packet with an id up to id.
func (d *delayer) verdict(id uint32) {
	hdr := binary.BigEndian.AppendUint32(nil, verdictAccept)
	hdr = binary.BigEndian.AppendUint32(hdr, id)
	d.mu.Lock()
	defer d.mu.Unlock()
	msg := d.message(msgVerdictBatch, unix.NLM_F_REQUEST, attr(attrVerdictHdr, hdr))
	if err := unix.Sendto(d.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil && d.err == nil {
		d.err = fmt.Errorf("netfault: verdict on queue %d: %w", d.queue, err)
	}
}

func (d *delayer) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = err
	}
}

// close stops the delayer, lets what it holds go, and returns the first error it met.
func (d *delayer) close() error {
	close(d.stop)
	d.done.Wait()
	unix.Close(d.fd)
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
