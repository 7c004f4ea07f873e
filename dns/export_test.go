package dns

// Helpers of the package's own tests, for its external tests (package dns_test), which import
// dns/dnstest and so cannot live in package dns.
var (
	TestAnswer = dnsAnswer
	TestAt     = dnsAt
)
