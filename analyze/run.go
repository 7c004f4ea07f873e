package analyze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"saker/dns"
	"saker/event"
	"saker/github"
	"saker/rules"
)

// Options configure Run.
type Options struct {
	// Rules are the loaded rules to run; nil runs saker's default rules (LoadRules(false)).
	Rules *rules.RuleSet
	// Names resolves server addresses to DNS names for fd.*ip.name. Run adds the answers of
	// the DNS it meets (sensor payloads, DNS.Packets) to it in time order when it is a
	// *dns.Index; nil means a fresh *dns.Index, other resolvers are used as they are.
	Names NameResolver
	// DNS merges packet DNS into the replay and receives every DNS message; see DNSOptions.
	DNS DNSOptions
	// Clock turns event timestamps into wall-clock time; nil uses the source's own Clock
	// when it has one, else treats timestamps as Unix nanoseconds.
	Clock event.Clock
	// Hostname goes into every finding, as Falco's JSON alerts carry it.
	Hostname string
	// Finding receives each finding as it is made, in event order; an error stops the run
	// and is returned. When nil, findings are collected in Result.Findings.
	Finding func(*Finding) error
	// Hooks receive process, connection and file records for reports.
	Hooks Hooks
	// Executables gives the hashes of the executables processes ran; nil uses the source's
	// own when it is an ExeResolver (saker bundles are).
	Executables ExeResolver
	// Event, when set, receives each event after the state has applied it and before the
	// rules see it, with the Process.Key of its process (0 when none). It sees the dns events
	// made from DNS messages too. e is reused after the call.
	Event func(e *event.Event, procKey uint64)
}

// Finding is one rule match: Falco's alert plus what points back into the capture.
type Finding struct {
	rules.Alert
	EventNum uint64
	PID      uint32
	TID      uint32
	// ProcKey is the Process.Key of the process, matching ProcessRecord.Key; 0 for events
	// without a process.
	ProcKey uint64
	// Flags are the event's: event.FlagIOUring when the process did what the event records
	// through an io_uring request, event.FlagIA32 for a 32-bit system call.
	Flags event.Flags
	// ConnID is the ConnRecord.ID of the connection of the event's descriptor, 0 when none
	// (or when Options.Hooks.Conn is nil: connections are only tracked for that hook).
	ConnID uint64
	// DNS cites the answers that named the server of the event's connection, when the rule
	// uses a fd.*ip.name field and the resolver can tell (a *dns.Index can).
	DNS []DNSEvidence
}

// DNSEvidence is one DNS answer behind a name of a finding's server address.
type DNSEvidence struct {
	IP       netip.Addr
	Name     string
	QName    string
	Answered time.Time
	TTL      uint32
	Resolver netip.AddrPort
	// PID is the process that asked, 0 when only packets saw the answer.
	PID uint32
}

// Result sums up a replay.
type Result struct {
	Events   uint64
	Findings []*Finding // only when Options.Finding is nil
	// ByRule counts findings per rule name.
	ByRule map[string]int
	// Warnings are the rule compiler's warnings (skipped rules).
	Warnings []rules.Warning
	// Lost sums the lost-event counters of the capture's drops records.
	Lost uint64
	// First and Last are the wall-clock times of the first and last events.
	First, Last time.Time
	State       Stats
	// SourceErrors are the errors the source returned (damaged input), in order. Findings
	// up to and between them stand; what the damage hid is lost.
	SourceErrors []error
}

// MaxSourceErrors bounds the source errors a Run accepts before it gives up on the input.
const MaxSourceErrors = 100

// hitSource is what a resolver that can cite its answers offers (*dns.Index does).
type hitSource interface {
	Hits(ip netip.Addr, t int64, buf []dns.NameHit) []dns.NameHit
}

// appendEvidence appends the answers that named ip at t (Unix nanoseconds) to dst; buf is
// scratch space for the hits, returned for reuse.
func appendEvidence(dst []DNSEvidence, hits hitSource, ip netip.Addr, t int64, buf []dns.NameHit) ([]DNSEvidence, []dns.NameHit) {
	buf = hits.Hits(ip, t, buf)
	for _, h := range buf {
		d := DNSEvidence{IP: ip, Name: string(h.Name), TTL: h.TTL}
		if a := h.Answer; a != nil {
			d.QName, d.Answered, d.Resolver, d.PID = a.QName, time.Unix(0, a.TS).UTC(), a.Resolver, a.PID
		}
		dst = append(dst, d)
	}
	return dst, buf
}

// Compile binds rs to the fields of a fresh State and returns both; Run does this itself.
// The error is the rules compiler's ErrorList.
func Compile(rs *rules.RuleSet, opts Options) (*State, *rules.Engine, []rules.Warning, error) {
	s := NewState(opts.Clock, opts.Names, opts.Hooks)
	en, warns, err := rs.Compile(NewProvider(s))
	if err != nil {
		return nil, nil, warns, fmt.Errorf("compile rules: %w", err)
	}
	return s, en, warns, nil
}

// Analyzer is compiled rules bound to a replay state; it runs one replay at a time.
type Analyzer struct {
	opts  Options
	s     *State
	en    *rules.Engine
	cites map[*rules.CompiledRule]bool
	warns []rules.Warning
}

// NewAnalyzer loads the default rules when opts.Rules is nil and compiles them against a
// fresh state. The error wraps the rules compiler's ErrorList. opts.Clock stays nil here
// when unset; Run then takes the source's Clock.
func NewAnalyzer(opts Options) (*Analyzer, error) {
	rs := opts.Rules
	if rs == nil {
		var err error
		if rs, _, err = LoadRules(false); err != nil {
			return nil, fmt.Errorf("default rules: %w", err)
		}
	}
	s, en, warns, err := Compile(rs, opts)
	if err != nil {
		return nil, err
	}
	a := &Analyzer{opts: opts, s: s, en: en, warns: warns, cites: map[*rules.CompiledRule]bool{}}
	for _, r := range en.Rules() {
		a.cites[r] = strings.Contains(r.AST.String()+" "+r.Output, "ip.name")
	}
	return a, nil
}

// Engine returns the compiled rules, for listing them.
func (a *Analyzer) Engine() *rules.Engine { return a.en }

// Run replays src through the state and the rules in one synchronous loop: for each event,
// update the state, evaluate the rules indexed under its kind, and hand out findings. The
// same events and options give the same findings in the same order. Run stops at io.EOF,
// when ctx is done, or when Options.Finding fails. An error of src (damaged input) does not
// throw away what was read: it is kept in Result.SourceErrors with the event number and the
// replay goes on, since sources such as saker bundles continue after a damaged segment; it
// ends when src returns an error twice in a row or more than MaxSourceErrors in all. Each
// Run starts from an empty state.
func Run(ctx context.Context, src event.Source, opts Options) (*Result, error) {
	a, err := NewAnalyzer(opts)
	if err != nil {
		return nil, err
	}
	return a.Run(ctx, src)
}

// Run replays src as the package-level Run does, reusing the compiled rules.
func (a *Analyzer) Run(ctx context.Context, src event.Source) (*Result, error) {
	opts := a.opts
	if opts.Clock == nil {
		if c, ok := src.(event.Clock); ok {
			opts.Clock = c
		}
	}
	if opts.Names == nil {
		opts.Names = dns.NewIndex(dns.IndexOptions{})
	}
	a.s.reset(opts.Clock, opts.Names, opts.Hooks)
	if opts.Executables == nil {
		opts.Executables, _ = src.(ExeResolver)
	}
	a.s.SetExecutables(opts.Executables)
	s, en, cites := a.s, a.en, a.cites
	feed := newDNSFeed(src, s, opts.Names, opts.DNS)
	src = feed
	res := &Result{ByRule: map[string]int{}, Warnings: a.warns}
	hits, _ := opts.Names.(hitSource)
	var (
		e          event.Event
		matched    []*rules.CompiledRule
		hitBuf     []dns.NameHit
		lastTS     uint64
		lastFailed bool
	)
	for {
		if res.Events%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		e.Reset()
		if err := src.Next(&e); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			werr := fmt.Errorf("after event %d: %w", res.Events, err)
			if lastFailed && werr.Error() == res.SourceErrors[len(res.SourceErrors)-1].Error() {
				break // the same damage again: the source cannot get past it
			}
			res.SourceErrors = append(res.SourceErrors, werr)
			if lastFailed || len(res.SourceErrors) >= MaxSourceErrors {
				break
			}
			lastFailed = true
			continue
		}
		lastFailed = false
		res.Events++
		s.Update(&e)
		if opts.Event != nil {
			var key uint64
			if p := s.Current(); p != nil {
				key = p.Key
			}
			opts.Event(&e, key)
		}
		feed.observe(&e)
		if res.First.IsZero() && e.TS != 0 { // snapshot records of foreign formats carry no time
			res.First = time.Unix(0, s.wallNS()).UTC()
		}
		lastTS = max(lastTS, e.TS) // packet DNS events may come a little late
		if e.Kind == event.KindDrops {
			res.Lost += uint64(argInt(&e, 1))
		}
		if e.Kind == event.KindGithub {
			matched = matched[:0]
			en.MatchSource(github.SourceName, &e, func(r *rules.CompiledRule) { matched = append(matched, r) })
		} else {
			matched = en.AppendMatches(matched[:0], &e)
		}
		if len(matched) == 0 {
			continue
		}
		wall := time.Unix(0, s.wallNS()).UTC()
		for _, r := range matched {
			f := &Finding{
				Alert:    r.Alert(&e, wall, opts.Hostname),
				EventNum: e.Num, PID: e.PID, TID: e.TID, Flags: e.Flags,
			}
			if p := s.Current(); p != nil {
				f.ProcKey = p.Key
			}
			if s.fd != nil && s.fd.Conn != nil {
				f.ConnID = s.fd.Conn.ID
			}
			if cites[r] && hits != nil && s.fd != nil && s.fd.isIP() {
				f.DNS, hitBuf = appendEvidence(f.DNS, hits, s.fd.server().Addr().Unmap(), s.wallNS(), hitBuf[:0])
			}
			res.ByRule[r.Name]++
			if opts.Finding != nil {
				if err := opts.Finding(f); err != nil {
					return res, err
				}
			} else {
				res.Findings = append(res.Findings, f)
			}
		}
	}
	if res.Events > 0 {
		res.Last = s.wall(lastTS).UTC()
	}
	s.Flush()
	res.State = s.Stats()
	return res, nil
}
