package replay

import "saker/capfile"

// pendingRecord is a record waiting in a BundleSource's reorder window.
type pendingRecord struct {
	ts, seq uint64
	typ     capfile.RecordType
	version uint16
	payload []byte
	slab    *slab // holds payload
}

// before orders records by timestamp, then by arrival.
func (p *pendingRecord) before(q *pendingRecord) bool {
	if p.ts != q.ts {
		return p.ts < q.ts
	}
	return p.seq < q.seq
}

// reorderQueue yields pending records in (ts, seq) order. A sensor's records arrive almost
// in order and the window holds tens of thousands of them, so a heap over all of them spends
// most of the replay sifting. Instead, records at or after the newest queued one go to a
// FIFO ring, which stays sorted; only records that arrive late go to a heap, which stays
// small. The smaller of the two heads comes out first, so the order is the one a single
// heap over all records gives.
type reorderQueue struct {
	ring       []pendingRecord // circular; len is a power of two
	head, size int
	late       []pendingRecord // min-heap
}

func (q *reorderQueue) len() int { return q.size + len(q.late) }

func (q *reorderQueue) push(p pendingRecord) {
	if q.size == 0 || !p.before(q.at(q.size-1)) {
		if q.size == len(q.ring) {
			q.grow()
		}
		q.ring[(q.head+q.size)&(len(q.ring)-1)] = p
		q.size++
		return
	}
	q.late = append(q.late, p)
	q.up(len(q.late) - 1)
}

// peek returns the first record; the queue must not be empty.
func (q *reorderQueue) peek() *pendingRecord {
	if q.lateFirst() {
		return &q.late[0]
	}
	return q.at(0)
}

// pop removes and returns the first record; the queue must not be empty.
func (q *reorderQueue) pop() pendingRecord {
	if q.lateFirst() {
		p := q.late[0]
		n := len(q.late) - 1
		q.late[0] = q.late[n]
		q.late[n] = pendingRecord{}
		q.late = q.late[:n]
		q.down(0)
		return p
	}
	p := *q.at(0)
	*q.at(0) = pendingRecord{} // let the slab go
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.size--
	return p
}

func (q *reorderQueue) lateFirst() bool {
	return len(q.late) > 0 && (q.size == 0 || q.late[0].before(q.at(0)))
}

func (q *reorderQueue) at(i int) *pendingRecord { return &q.ring[(q.head+i)&(len(q.ring)-1)] }

func (q *reorderQueue) grow() {
	ring := make([]pendingRecord, max(1024, 2*len(q.ring)))
	for i := range q.size {
		ring[i] = *q.at(i)
	}
	q.ring, q.head = ring, 0
}

func (q *reorderQueue) up(i int) {
	h := q.late
	for i > 0 {
		parent := (i - 1) / 2
		if !h[i].before(&h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *reorderQueue) down(i int) {
	h := q.late
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// slab is a buffer pending payloads are copied into; live counts the records still using it.
type slab struct {
	buf  []byte
	live int
}

// slabPool hands out payload copies and recycles slabs no pending or yielded record uses,
// so that a long replay allocates only as many slabs as its window needs.
type slabPool struct {
	cur  *slab
	free []*slab
}

const slabSize = 1 << 20 // capfile.MaxRecordSize: any record fits an empty slab

func (sp *slabPool) copy(b []byte) ([]byte, *slab) {
	if sp.cur == nil || len(b) > cap(sp.cur.buf)-len(sp.cur.buf) {
		old := sp.cur
		switch n := len(sp.free); {
		case n > 0:
			sp.cur, sp.free = sp.free[n-1], sp.free[:n-1]
		default:
			sp.cur = &slab{buf: make([]byte, 0, max(slabSize, len(b)))}
		}
		if old != nil && old.live == 0 {
			sp.recycle(old)
		}
	}
	sl := sp.cur
	start := len(sl.buf)
	sl.buf = append(sl.buf, b...)
	sl.live++
	return sl.buf[start:len(sl.buf):len(sl.buf)], sl
}

// release drops one record's use of sl.
func (sp *slabPool) release(sl *slab) {
	sl.live--
	if sl.live == 0 && sl != sp.cur {
		sp.recycle(sl)
	}
}

func (sp *slabPool) recycle(sl *slab) {
	sl.buf = sl.buf[:0]
	sp.free = append(sp.free, sl)
}
