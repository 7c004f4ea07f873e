package github

import "regexp"

// An indicator is one way a workflow line betrays a miner. Kind is what findings report
// (github.workflow.miners.type); re matches the lower-cased line, and only lines holding
// needle are given to it, which keeps a scan fast.
type indicator struct {
	kind   string
	needle string
	re     *regexp.Regexp
}

// minerNames are miner programs, miner distributions and mining services whose names do not
// occur in ordinary text. They match as whole tokens: "xmrig" in "xmrig-6.21.0-linux-x64.tar.gz"
// or "metal3d/xmrig:latest", but not inside a longer word. The list follows the keywords of
// Falco's GitHub plugin (falcosecurity/plugins, plugins/github, Apache-2.0) and the
// miner_binaries list of Falco's sandbox rules; the plugin's bare "pool", "wallet" and
// "hashrate" are left out here because they match ordinary words ("thread pool") and are
// replaced by the narrower indicators below.
var minerNames = []string{
	"xmrig", "ccminer", "t-rex", "cryptonight", "gminer", "gpuminer", "cpuminer", "nanominer",
	"nicehash", "xmr-stak", "nbminer", "srbminer", "hiveos", "ethermine", "kryptex", "2miners",
	"betterhash", "minerstat", "raveos", "f2pool", "unmineable", "minergate", "cryptotab",
	"lolminer", "phoenixminer", "teamredminer", "ethminer", "cgminer", "bfgminer", "sgminer",
	"minerd", "wildrig", "bminer", "pwnrig", "kill_miner", "titcoind",
}

// poolDomains are mining pool hosts (Falco's miner_domains, https_miner_domains and
// http_miner_domains lists, by their registered domain) reported as kind "pool".
var poolDomains = []string{
	"minexmr.com", "slushpool.com", "dwarfpool.com", "nanopool.org", "ethpool.org",
	"moneropool.com", "xmrpool.net", "antpool.com", "crypto-pool.fr", "supportxmr.com",
	"moneroocean.stream", "hashvault.pro", "herominers.com", "c3pool.com", "xmrig.com",
	"minergate.com", "2miners.com", "f2pool.com", "unmineable.com", "nicehash.com",
	"ethermine.org", "flypool.org", "viabtc.com", "poolin.com", "mining.bitcoin.cz",
}

// indicators is every pattern, compiled once. Each pattern is written so that the ordinary
// words a benign workflow uses ("thread pool", "pool_size", "wallet" in a test name, a
// "hashrate" column, NTP's "stratum 1") do not match.
var indicators = buildIndicators()

func buildIndicators() []indicator {
	var ins []indicator
	for _, n := range minerNames {
		// A token: not preceded by a letter or digit, not followed by a letter.
		re := regexp.MustCompile(`(?:^|[^a-z0-9])(` + regexp.QuoteMeta(n) + `)(?:[^a-z]|$)`)
		ins = append(ins, indicator{kind: n, needle: n, re: re})
	}
	for _, d := range poolDomains {
		// The domain or any host under it, as a whole name.
		re := regexp.MustCompile(`(?:^|[^a-z0-9.-])(?:[a-z0-9-]+\.)*(` + regexp.QuoteMeta(d) + `)(?:[^a-z0-9-]|$)`)
		ins = append(ins, indicator{kind: "pool", needle: d, re: re})
	}
	ins = append(ins,
		// Pool URLs as miners take them: stratum+tcp://, stratum2+ssl://, stratum+udp://...
		indicator{"stratum", "stratum", regexp.MustCompile(`(stratum[12]?\+(?:tcp|ssl|tls|udp|ws|wss)://)`)},
		indicator{"stratum", "stratum://", regexp.MustCompile(`(?:^|[^a-z0-9])(stratum://[a-z0-9])`)},
		// Stratum and Ethereum mining JSON-RPC methods.
		indicator{"stratum", "mining.", regexp.MustCompile(`(mining\.(?:subscribe|authorize|submit|notify|extranonce\.subscribe))`)},
		indicator{"stratum", "eth_", regexp.MustCompile(`(eth_submitlogin|eth_submithashrate|eth_getwork)`)},
		// XMRig's own command-line flags.
		indicator{"xmrig", "--", regexp.MustCompile(`(?:^|\s)(--donate-level[= ]\d|--randomx-1gb-pages|--cpu-max-threads-hint)`)},
		// Mining algorithms named as a miner's --algo (or -a) argument.
		indicator{"algo", "-a", regexp.MustCompile(`(?:^|\s)((?:--algo|-a)[= ]+["']?(?:rx/[0-9a-z]+|cn(?:-lite|-heavy|-pico)?/[0-9a-z]+|randomx|kawpow|ethash|etchash|autolykos2?|cryptonight))`)},
	)
	return ins
}

// moneroAddress matches a Monero primary address (95 base58 characters starting with 4) or
// subaddress (starting with 8), reported as kind "wallet". It runs on the line in its original
// case, since base58 is case-sensitive.
var moneroAddress = regexp.MustCompile(`(?:^|[^1-9A-HJ-NP-Za-km-z])([48][1-9A-HJ-NP-Za-km-z]{94})(?:[^1-9A-HJ-NP-Za-km-z]|$)`)
