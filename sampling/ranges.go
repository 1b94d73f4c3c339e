package sampling

import "sort"

// Range is an inclusive range of heights [From, To].
type Range struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// rangeSet is a set of heights kept as sorted, disjoint, non-adjacent
// ranges, so that long runs of sampled heights cost one entry.
type rangeSet struct {
	r []Range
}

// search returns the index of the first range whose To ≥ h.
func (s *rangeSet) search(h uint64) int {
	return sort.Search(len(s.r), func(i int) bool { return s.r[i].To >= h })
}

func (s *rangeSet) contains(h uint64) bool {
	i := s.search(h)
	return i < len(s.r) && s.r[i].From <= h
}

// add inserts [from, to] (from ≤ to), merging with overlapping or adjacent
// ranges.
func (s *rangeSet) add(from, to uint64) {
	lo := from
	if lo > 0 {
		lo-- // find a range ending right before from, to merge with
	}
	i := s.search(lo)
	j := i
	for j < len(s.r) && (to == ^uint64(0) || s.r[j].From <= to+1) {
		if s.r[j].From < from {
			from = s.r[j].From
		}
		if s.r[j].To > to {
			to = s.r[j].To
		}
		j++
	}
	nr := Range{From: from, To: to}
	if i == j {
		s.r = append(s.r, Range{})
		copy(s.r[i+1:], s.r[i:])
		s.r[i] = nr
		return
	}
	s.r[i] = nr
	s.r = append(s.r[:i+1], s.r[j:]...)
}

// fold advances upTo over the ranges that continue it and drops every range
// at or below it; it returns the new upTo.
func (s *rangeSet) fold(upTo uint64) uint64 {
	k := 0
	for k < len(s.r) {
		r := s.r[k]
		if r.To <= upTo {
			k++
			continue
		}
		if r.From <= upTo+1 {
			upTo = r.To
			k++
			continue
		}
		break
	}
	s.r = s.r[k:]
	return upTo
}

// gaps returns the sub-ranges of [from, to] not in the set.
func (s *rangeSet) gaps(from, to uint64) []Range {
	var out []Range
	cur := from
	for i := s.search(from); i < len(s.r) && cur <= to; i++ {
		r := s.r[i]
		if r.From > to {
			break
		}
		if r.From > cur {
			out = append(out, Range{From: cur, To: r.From - 1})
		}
		if r.To >= to {
			return out
		}
		cur = r.To + 1
	}
	if cur <= to {
		out = append(out, Range{From: cur, To: to})
	}
	return out
}

func (s *rangeSet) ranges() []Range { return append([]Range(nil), s.r...) }
