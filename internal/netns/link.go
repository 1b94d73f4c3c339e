package netns

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// Linux constants not in package syscall.
const (
	packetVnetHdr        = 15 // PACKET_VNET_HDR
	packetIgnoreOutgoing = 23 // PACKET_IGNORE_OUTGOING
	vnetHdrLen           = 10 // sizeof(struct virtio_net_hdr)
	maxFrame             = vnetHdrLen + 65536 + 64
	queueFrames          = 8192
)

// Impairment is what a link does to the frames its host sends.
type Impairment struct {
	// Delay is added to every frame the host sends.
	Delay time.Duration
	// Loss is the probability in [0, 1] that a frame the host sends is
	// dropped (a TCP segment burst offloaded as one GSO frame is dropped
	// whole).
	Loss float64
}

// link forwards frames between a host's root-side veth and its uplink.
type link struct {
	host, up *os.File
	blocked  func(src, dst [4]byte) bool
	queue    chan delayed
	wg       sync.WaitGroup

	mu  sync.Mutex
	imp Impairment
	rng *rand.Rand
}

type delayed struct {
	frame []byte
	at    time.Time
}

// openPacket opens a non-blocking AF_PACKET socket bound to ifname that
// carries virtio-net headers and ignores the frames it sends itself.
func openPacket(ifname string) (*os.File, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	proto := int(htons(syscall.ETH_P_ALL))
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, fmt.Errorf("netns: packet socket on %s: %w", ifname, err)
	}
	for _, opt := range []int{packetVnetHdr, packetIgnoreOutgoing} {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_PACKET, opt, 1); err != nil {
			syscall.Close(fd)
			return nil, fmt.Errorf("netns: packet socket option %d on %s: %w", opt, ifname, err)
		}
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("netns: bind packet socket to %s: %w", ifname, err)
	}
	return os.NewFile(uintptr(fd), "packet:"+ifname), nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// startLink opens both ends and starts forwarding. seed drives the loss.
func startLink(hostIf, upIf string, seed int64, blocked func(src, dst [4]byte) bool) (*link, error) {
	h, err := openPacket(hostIf)
	if err != nil {
		return nil, err
	}
	u, err := openPacket(upIf)
	if err != nil {
		h.Close()
		return nil, err
	}
	l := &link{host: h, up: u, blocked: blocked, queue: make(chan delayed, queueFrames), rng: rand.New(rand.NewSource(seed))}
	l.wg.Go(l.egress)
	l.wg.Go(l.release)
	l.wg.Go(l.ingress)
	return l, nil
}

func (l *link) set(imp Impairment) {
	l.mu.Lock()
	l.imp = imp
	l.mu.Unlock()
}

// egress reads what the host sends and queues what survives.
func (l *link) egress() {
	defer close(l.queue)
	buf := make([]byte, maxFrame)
	for {
		n, err := l.host.Read(buf)
		if err != nil {
			return
		}
		f := buf[:n]
		if src, dst, ok := ipv4Addrs(f); ok && l.blocked(src, dst) {
			continue
		}
		l.mu.Lock()
		drop := l.imp.Loss > 0 && l.rng.Float64() < l.imp.Loss
		delay := l.imp.Delay
		l.mu.Unlock()
		if drop {
			continue
		}
		select {
		case l.queue <- delayed{bytes.Clone(f), time.Now().Add(delay)}:
		default: // a full queue drops, as a router's would
		}
	}
}

// release writes queued frames to the uplink when their time comes.
func (l *link) release() {
	for d := range l.queue {
		if wait := time.Until(d.at); wait > 0 {
			time.Sleep(wait) // the frame's own delay: this is the link
		}
		if _, err := l.up.Write(d.frame); err != nil && errors.Is(err, os.ErrClosed) {
			return
		}
	}
}

// ingress passes what arrives for the host straight through.
func (l *link) ingress() {
	buf := make([]byte, maxFrame)
	for {
		n, err := l.up.Read(buf)
		if err != nil {
			return
		}
		if _, err := l.host.Write(buf[:n]); err != nil && errors.Is(err, os.ErrClosed) {
			return
		}
	}
}

// close stops forwarding and waits for the goroutines.
func (l *link) close() {
	l.host.Close()
	l.up.Close()
	l.wg.Wait()
}

// ipv4Addrs returns the source and destination of an IPv4 frame that
// starts with a virtio-net header.
func ipv4Addrs(f []byte) (src, dst [4]byte, ok bool) {
	const eth = vnetHdrLen + 14
	if len(f) < eth+20 || binary.BigEndian.Uint16(f[vnetHdrLen+12:]) != 0x0800 {
		return src, dst, false
	}
	copy(src[:], f[eth+12:eth+16])
	copy(dst[:], f[eth+16:eth+20])
	return src, dst, true
}
