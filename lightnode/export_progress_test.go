package lightnode

import "time"

// SetProgressEvery sets how often catch-up progress is logged (before Start).
func (n *Node) SetProgressEvery(d time.Duration) {
	n.catchup.mu.Lock()
	n.catchup.every = d
	n.catchup.mu.Unlock()
}
