// Package netns is a multi-host test harness: each test host is a Linux
// network namespace with one interface and an address that exists only
// inside the test network (10.77.x.0/24 by default), so the nodes under
// test run as real processes that talk to each other over real TCP/UDP.
//
// # Topology
//
// For host i of a Net with name base B:
//
//	namespace B-i: eth0 (10.77.x.(10+i)/24)
//	   │ veth
//	root: Bh<i> ──[link: user-space forwarder]── Bu<i>
//	                                               │ veth
//	root: Bb<i> ── bridge Bbr ── the other hosts' Bb<j>
//
// The kernel here has no netem qdisc (tc qdisc add … netem fails) and no
// iptables or nftables is installed, so delay, loss and partitions are done
// in user space: the test process forwards every frame between Bh<i> and
// Bu<i> through AF_PACKET sockets (with PACKET_VNET_HDR, so TSO/GSO and
// checksum offload pass through untouched). A frame the host sends is
// dropped when a partition separates its IPv4 source and destination, then
// dropped with the link's loss probability, then held for the link's delay;
// frames towards the host pass straight through. So a host's delay is added
// once to each packet it sends, and a round trip between hosts a and b
// takes delay(a) + delay(b) more. The whole data path is therefore the
// kernel's veth and bridge plus this forwarder; Counters read the
// root-side veth Bh<i>, i.e. exactly what the host put on and took off its
// wire.
//
// # Lifecycle
//
// New requires root and the ip command (iproute2); without them it skips
// the test with the reason. It first sweeps stale objects: every name
// starts with "qn" and the creating process's PID, and objects whose PID
// is no longer alive are deleted, so a crashed run never leaves litter for
// the next while parallel runs keep theirs. Everything a Net creates is
// removed by t.Cleanup, also when the test fails.
package netns
