package incident

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"saker/analyze"
)

// Indicator types.
const (
	IndicatorDomain    = "domain"    // a pool or C2 name asked, answered, named in a URL or a TLS server name
	IndicatorIP        = "ip"        // a pool or C2 address connected to or answered
	IndicatorWallet    = "wallet"    // the pool login: a wallet address or a pool account
	IndicatorWorker    = "worker"    // the worker name after the login's "." (or its rigid)
	IndicatorAgent     = "agent"     // the miner's user agent from its login
	IndicatorPath      = "path"      // a miner's executable, or a file dropped and then run
	IndicatorSHA256    = "sha256"    // the SHA-256 of a miner's executable, when the capture read it
	IndicatorUser      = "user"      // a user the incident's processes ran as
	IndicatorContainer = "container" // a container id of the incident's processes
	IndicatorImage     = "image"     // a container image of the incident's processes
)

// Indicator is one indicator of compromise of an incident, with when it was first and
// last seen.
type Indicator struct {
	Type, Value string
	First, Last time.Time
}

type observation struct {
	typ, value string
	t          time.Time
}

var (
	stratumURL   = regexp.MustCompile(`(?i)\b(?:stratum\d?\+(?:tcp|ssl|tls)|stratum)://([^\s:/"']+)`)
	loginField   = regexp.MustCompile(`"login"\s*:\s*"([^"]{1,256})"`)
	rigidField   = regexp.MustCompile(`"rigid"\s*:\s*"([^"]{1,128})"`)
	agentField   = regexp.MustCompile(`"agent"\s*:\s*"([^"]{1,256})"`)
	authorizeArg = regexp.MustCompile(`"method"\s*:\s*"(?:mining\.authorize|eth_submitLogin)"[^\[]*"params"\s*:\s*\[\s*"([^"]{1,256})"`)
)

// appendObservations appends the indicators f shows: names and addresses of its server and
// DNS answers, the pool login of a Stratum message, and for mining rules, the pool and
// login of the miner's command line.
func appendObservations(dst []observation, f *analyze.Finding) []observation {
	add := func(typ, v string) {
		v = strings.TrimSuffix(strings.TrimSpace(v), ".")
		if v == "" {
			return
		}
		if typ == IndicatorDomain {
			if a, err := netip.ParseAddr(v); err == nil {
				typ, v = IndicatorIP, a.Unmap().String()
			} else {
				v = strings.ToLower(v)
			}
		}
		for _, o := range dst {
			if o.typ == typ && o.value == v {
				return
			}
		}
		dst = append(dst, observation{typ, v, f.Time})
	}
	each := func(name string, fn func(string)) {
		switch v := field(f, name).(type) {
		case string:
			fn(v)
		case []string:
			for _, s := range v {
				fn(s)
			}
		}
	}
	domains := func(s string) { add(IndicatorDomain, s) }
	ips := func(s string) {
		if a, err := netip.ParseAddr(s); err == nil {
			add(IndicatorIP, a.Unmap().String())
		}
	}
	isDNS := field(f, "dns.query.name") != nil
	if isDNS {
		each("dns.query.name", domains)
		each("dns.answer.ip", ips)
	}
	each("fd.sip.name", domains)
	each("saker.tls.sni", domains)
	if f.ConnID != 0 && !isDNS { // a DNS finding's connection is to the resolver
		if s, ok := field(f, "fd.name").(string); ok {
			if _, server, ok := strings.Cut(s, "->"); ok {
				if ap, err := netip.ParseAddrPort(server); err == nil {
					add(IndicatorIP, ap.Addr().Unmap().String())
				}
			}
		}
	}
	if buf, ok := field(f, "evt.buffer").(string); ok {
		switch msg, _ := field(f, "saker.stratum.msg").(string); msg {
		case "login":
			if m := loginField.FindStringSubmatch(buf); m != nil {
				addLogin(add, m[1])
			}
			if m := rigidField.FindStringSubmatch(buf); m != nil {
				add(IndicatorWorker, m[1])
			}
			if m := agentField.FindStringSubmatch(buf); m != nil {
				add(IndicatorAgent, m[1])
			}
		case "mining.authorize", "eth_submitLogin":
			if m := authorizeArg.FindStringSubmatch(buf); m != nil {
				addLogin(add, m[1])
			}
		}
	}
	if slices.Contains(f.Tags, "cryptomining") {
		if p := PhaseOf(f.Rule, f.Tags); p == PhaseExecution || p == PhaseMining {
			if cmd, ok := field(f, "proc.cmdline").(string); ok {
				minerArgs(add, cmd)
			}
		}
	}
	return dst
}

// addLogin adds a pool login: "WALLET", "WALLET.WORKER" or "WALLET+DIFF".
func addLogin(add func(typ, v string), login string) {
	login, _, _ = strings.Cut(login, "+")
	wallet, worker, _ := strings.Cut(login, ".")
	add(IndicatorWallet, wallet)
	add(IndicatorWorker, worker)
}

// minerArgs adds the pool (-o, --url, a stratum URL anywhere) and login (-u, --user) of a
// miner's command line, as XMRig, cpuminer and their forks spell them.
func minerArgs(add func(typ, v string), cmd string) {
	for _, m := range stratumURL.FindAllStringSubmatch(cmd, -1) {
		add(IndicatorDomain, m[1])
	}
	args := strings.Fields(cmd)
	for i, a := range args {
		var v string
		name, val, hasVal := strings.Cut(a, "=")
		switch {
		case hasVal:
			v = val
		case i+1 < len(args):
			v = args[i+1]
		}
		switch name {
		case "-o", "--url":
			if !strings.Contains(v, "://") {
				host, _, _ := strings.Cut(v, ":")
				if strings.HasPrefix(v, "[") {
					host = strings.Trim(strings.SplitN(v, "]", 2)[0], "[")
				}
				add(IndicatorDomain, host)
			}
		case "-u", "--user", "-O", "--userpass":
			if name == "-O" || name == "--userpass" {
				v, _, _ = strings.Cut(v, ":")
			}
			addLogin(add, v)
		}
	}
}
