// Package discovery finds a node's full-node peers on a Quadrant network
// and keeps a target number of them connected (issue 12).
//
// It runs a private Kademlia DHT (go-libp2p-kad-dht) whose protocol prefix
// is chain-scoped, /quadrant/<chain-id> (so the DHT protocol is
// /quadrant/<chain-id>/kad/1.0.0 and never joins the public IPFS DHT).
// Full nodes run it in server mode and advertise themselves as providers of
// the rendezvous /quadrant/<chain-id>/full (libp2p routing discovery); light
// nodes run it in client mode. Both look the rendezvous up and keep
// Config.TargetPeers full nodes (default 8), replacing a peer that
// disconnects or that the caller reports with Penalise. Bootstrap addresses
// are entry points into the DHT only: a bootstrap peer counts as a full-node
// peer only if it too advertises under the rendezvous.
//
// # Place in the layering
//
// discovery sits beside p2p: it imports libp2p and nothing from Quadrant,
// and fullnode/lightnode (or cmd/quadrant) plug it in on the host they
// already own:
//
//	d, err := discovery.New(h, cfg, log) // h: the node's host.Host
//	d.Start(ctx)                         // returns at once
//	defer d.Close()                      // stops and waits; leaves h open
//	peers := d.Peers()                   // full nodes to sample/fetch from
//	<-d.Changed()                        // wakes when the set changes
//	d.Penalise(p)                        // p failed: drop and replace it
//
// # Design
//
// Which peers to keep is decided by a small pure state machine (peerSet:
// members, penalties with expiry, how many more are needed) that takes the
// time as a parameter; the driver around it does the DHT queries, dials,
// connection-manager protection and disconnect notifications. Members are
// protected in the host's connection manager under the tag "quadrant-full"
// so trimming does not undo discovery. Penalise does not close the
// connection (the DHT or other protocols may still use it); it removes the
// peer from the set and keeps it out for Config.PenaltyFor.
package discovery
