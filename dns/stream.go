package dns

import (
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Stream yields DNS messages one at a time; Next returns io.EOF after the last one. Each
// message is the stream's to give away: its Answers are not reused by later calls, so a
// consumer may keep it.
type Stream interface {
	Next(m *Message) error
}

// SliceStream yields msgs in slice order.
func SliceStream(msgs []Message) Stream { return &sliceStream{msgs: msgs} }

type sliceStream struct {
	msgs []Message
	i    int
}

func (s *sliceStream) Next(m *Message) error {
	if s.i >= len(s.msgs) {
		return io.EOF
	}
	*m = s.msgs[s.i]
	s.i++
	return nil
}

// DefaultReorderWindow is how far back in time a packet file's messages may come out of
// order and still be sorted: DNS over TCP is decoded when a stream's segments arrive, and
// a file written by several capture threads is nearly, not exactly, in time order.
const DefaultReorderWindow = 5 * time.Second

// msgHeap orders messages by TS, then by arrival.
type msgHeap []heldMsg

type heldMsg struct {
	m   Message
	seq uint64
	src int
}

func (h msgHeap) Len() int { return len(h) }
func (h msgHeap) Less(i, j int) bool {
	if h[i].m.TS != h[j].m.TS {
		return h[i].m.TS < h[j].m.TS
	}
	return h[i].seq < h[j].seq
}
func (h msgHeap) Swap(i, j int)   { h[i], h[j] = h[j], h[i] }
func (h *msgHeap) Push(x any)     { *h = append(*h, x.(heldMsg)) }
func (h *msgHeap) Pop() any       { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }
func (h msgHeap) oldestTS() int64 { return h[0].m.TS }

// Sorted returns src's messages in time order, holding each until a message more than window
// later was read (or src ended): memory follows the messages of one window, not the file.
// A message older than one already yielded (more than window out of order) is yielded as soon
// as it is read; Late counts them. The first error of src other than io.EOF ends the stream
// after the held messages, and is returned then.
func Sorted(src Stream, window time.Duration) *SortedStream {
	if window <= 0 {
		window = DefaultReorderWindow
	}
	return &SortedStream{src: src, window: int64(window)}
}

// SortedStream is the Stream Sorted returns.
type SortedStream struct {
	src    Stream
	window int64
	h      msgHeap
	seq    uint64
	maxTS  int64
	lastTS int64
	out    bool // lastTS is set
	done   bool
	err    error
	// Late counts messages that came more than the window out of order.
	Late int
}

func (s *SortedStream) Next(m *Message) error {
	for !s.done && (len(s.h) == 0 || s.maxTS-s.h.oldestTS() <= s.window) {
		var x Message
		if err := s.src.Next(&x); err != nil {
			s.done = true
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			break
		}
		if s.out && x.TS < s.lastTS {
			s.Late++
		}
		s.maxTS = max(s.maxTS, x.TS)
		s.seq++
		heap.Push(&s.h, heldMsg{m: x, seq: s.seq})
	}
	if len(s.h) == 0 {
		if s.err != nil {
			err := s.err
			s.err = nil
			return err
		}
		return io.EOF
	}
	*m = heap.Pop(&s.h).(heldMsg).m
	s.lastTS, s.out = max(s.lastTS, m.TS), true
	return nil
}

// MergeStreams interleaves streams that are each in time order into one in time order; at
// equal times the earlier stream's message comes first. An error of one stream (other than
// io.EOF) is returned once, with that stream ended; the others go on.
func MergeStreams(streams ...Stream) Stream {
	return &mergedStream{streams: streams}
}

type mergedStream struct {
	streams []Stream
	h       msgHeap
	started bool
	errs    []error
}

func (s *mergedStream) pull(i int) {
	var x Message
	switch err := s.streams[i].Next(&x); {
	case err == nil:
		heap.Push(&s.h, heldMsg{m: x, seq: uint64(i), src: i})
	case !errors.Is(err, io.EOF):
		s.errs = append(s.errs, err)
	}
}

func (s *mergedStream) Next(m *Message) error {
	if !s.started {
		s.started = true
		for i := range s.streams {
			s.pull(i)
		}
	}
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return err
	}
	if len(s.h) == 0 {
		return io.EOF
	}
	x := heap.Pop(&s.h).(heldMsg)
	*m = x.m
	s.pull(x.src)
	return nil
}

// Combined is Combine over a stream in time order: sightings of one message within window of
// its first (the same id, question and answers, seen by packets and the sensor, or on two
// interfaces) become one message. It holds each message for window of message time, so that
// later sightings can fold into it; memory follows the messages of one window.
func Combined(src Stream, window time.Duration) Stream {
	if window <= 0 {
		window = DefaultMergeWindow
	}
	return &combinedStream{src: src, window: int64(window), last: map[dnsMergeKey]*Message{}}
}

type combinedStream struct {
	src    Stream
	window int64
	held   []combinedMsg // in time order
	last   map[dnsMergeKey]*Message
	done   bool
	err    error
}

// combinedMsg is a held message with its merge key, computed once.
type combinedMsg struct {
	m *Message
	k dnsMergeKey
}

func (s *combinedStream) Next(m *Message) error {
	for !s.done && (len(s.held) == 0 || s.newest()-s.held[0].m.TS <= s.window) {
		x := new(Message)
		if err := s.src.Next(x); err != nil {
			s.done = true
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			break
		}
		k := dnsMergeKey{response: x.Response, id: x.ID, qtype: x.QType, qname: strings.ToLower(x.QName), ans: dnsAnswersHash(x)}
		if k2, ok := s.last[k]; ok && x.TS-k2.TS <= s.window && sameNetNS(k2.NetNS, x.NetNS) {
			dnsMergeInto(k2, x)
			continue
		}
		s.held = append(s.held, combinedMsg{x, k})
		s.last[k] = x
	}
	if len(s.held) == 0 {
		if s.err != nil {
			err := s.err
			s.err = nil
			return err
		}
		return io.EOF
	}
	h := s.held[0]
	s.held[0] = combinedMsg{}
	s.held = s.held[1:]
	if s.last[h.k] == h.m {
		delete(s.last, h.k)
	}
	*m = *h.m
	return nil
}

func (s *combinedStream) newest() int64 { return s.held[len(s.held)-1].m.TS }

// FileStream reads the DNS messages of one packet capture file in file order, counting what
// it yields; Sorted puts them in time order.
type FileStream struct {
	Path string
	f    io.Closer
	r    *Reader
	// Err is the damage that ended the file early (nil at a clean end); the messages before
	// it were yielded.
	Err error
	// Messages counts the messages yielded; First and Last are the earliest and latest of
	// their times, ValidUntil the latest time an answer of them could name an address
	// (TS + TTL + DefaultGrace).
	Messages    int
	First, Last time.Time
	ValidUntil  time.Time
	closed      bool
}

// OpenFile opens the capture file at path (pcap, pcapng, zstd-compressed or not). An error
// means the file cannot be read or is no capture file.
func OpenFile(path string) (*FileStream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return NewFileStream(path, f)
}

// NewFileStream reads the capture file rc, named path in errors; Close closes rc.
func NewFileStream(path string, rc io.ReadCloser) (*FileStream, error) {
	r, err := NewReader(rc)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &FileStream{Path: path, f: rc, r: r}, nil
}

// Next yields the file's next message. Damage ends the stream: Next returns an error naming
// the file once (kept in Err), then io.EOF.
func (s *FileStream) Next(m *Message) error {
	if s.closed {
		return io.EOF
	}
	var x Message
	if err := s.r.Next(&x); err != nil {
		s.Close()
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		s.Err = fmt.Errorf("%s: %w", s.Path, err)
		return s.Err
	}
	t := time.Unix(0, x.TS)
	if s.Messages == 0 || t.Before(s.First) {
		s.First = t
	}
	if t.After(s.Last) {
		s.Last = t
	}
	if v := t.Add(time.Duration(x.MinTTL())*time.Second + DefaultGrace); v.After(s.ValidUntil) {
		s.ValidUntil = v
	}
	s.Messages++
	*m = x
	return nil
}

// Stats returns the reader's counts so far (malformed messages among them).
func (s *FileStream) Stats() Stats { return s.r.Stats() }

// Close releases the file; Next then returns io.EOF.
func (s *FileStream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.r.Close()
	return s.f.Close()
}
