package replay

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestReorderQueueOrder pushes records mostly in order, some late, with many equal
// timestamps, popping as a window would, and checks that they come out in (ts, seq) order:
// the order one heap over all records gives.
func TestReorderQueueOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		late   int    // one record in late is pushed up to 40 ns older than the newest
		window uint64 // larger than 40: no record comes too late to be put back in order
	}{
		{"in order", 0, 50},
		{"some late", 10, 50},
		{"mostly late", 2, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(tc.late)))
			var q reorderQueue
			var pushed, got []pendingRecord
			var ts, maxTS uint64
			pop := func() { got = append(got, q.pop()) }
			for seq := uint64(1); seq <= 20000; seq++ {
				ts += uint64(r.IntN(3)) // equal timestamps are common
				p := pendingRecord{ts: ts, seq: seq}
				if tc.late > 0 && r.IntN(tc.late) == 0 && ts > 40 {
					p.ts -= uint64(r.IntN(40))
				}
				q.push(p)
				pushed = append(pushed, p)
				maxTS = max(maxTS, p.ts)
				for q.len() > 0 && q.peek().ts+tc.window < maxTS {
					pop()
				}
			}
			for q.len() > 0 {
				pop()
			}
			want := slices.Clone(pushed)
			slices.SortFunc(want, func(a, b pendingRecord) int {
				if a.before(&b) {
					return -1
				}
				return 1
			})
			if len(got) != len(want) {
				t.Fatalf("popped %d records, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i].ts != want[i].ts || got[i].seq != want[i].seq {
					t.Fatalf("record %d: got ts %d seq %d, want ts %d seq %d", i, got[i].ts, got[i].seq, want[i].ts, want[i].seq)
				}
			}
		})
	}
}

// TestSlabPoolReuse checks that payload copies survive until released and that released
// slabs are reused rather than reallocated.
func TestSlabPoolReuse(t *testing.T) {
	var sp slabPool
	payload := make([]byte, 1000)
	type held struct {
		b  []byte
		sl *slab
		v  byte
	}
	var live []held
	slabs := map[*slab]bool{}
	for i := range 20000 {
		for j := range payload {
			payload[j] = byte(i)
		}
		b, sl := sp.copy(payload)
		slabs[sl] = true
		live = append(live, held{b, sl, byte(i)})
		if len(live) > 3000 { // a window of 3000 records
			h := live[0]
			live = live[1:]
			for _, c := range h.b {
				if c != h.v {
					t.Fatalf("payload %d overwritten while held", h.v)
				}
			}
			sp.release(h.sl)
		}
	}
	// 3000 records of 1000 bytes fill three 1 MiB slabs; a few more are in flight.
	if len(slabs) > 6 {
		t.Fatalf("%d slabs for a window of 3 MB: released slabs are not reused", len(slabs))
	}
}
