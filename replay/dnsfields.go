package replay

// DNSFieldType is the type of the values a dns.* rule field yields. It mirrors rules'
// FieldType without importing rules (replay stays below it); analyze maps one onto the other.
type DNSFieldType uint8

// DNS field types.
const (
	DNSFieldString  DNSFieldType = iota + 1 // one string
	DNSFieldStrings                         // several strings; a comparison matches when any does
	DNSFieldUint                            // unsigned integer
	DNSFieldBool                            // 0 or 1
	DNSFieldIP                              // one IP address
)

// DNSField describes one rule field of `dns` events: its name, its type, the schema parameter
// of the dns kind it reads (see DNSEvent) and what it means.
type DNSField struct {
	Name  string
	Type  DNSFieldType
	Param string
	Doc   string
}

// DNSFields lists the rule fields of `dns` events. Names and rcode/type values render as
// DNSTypeName and DNSRcodeName do, so a rule can say `dns.rcode = NXDOMAIN`.
var DNSFields = []DNSField{
	{"dns.id", DNSFieldUint, "id", "transaction id"},
	{"dns.query.name", DNSFieldString, "qname", "first question's name, no final dot, case as sent"},
	{"dns.query.type", DNSFieldString, "qtype", "first question's type: A, AAAA, CNAME... or TYPEn"},
	{"dns.rcode", DNSFieldString, "rcode", "response code: NOERROR, NXDOMAIN, SERVFAIL... or RCODEn"},
	{"dns.response", DNSFieldBool, "response", "true for a response, false for a query"},
	{"dns.answer.ip", DNSFieldStrings, "answers", "addresses of the A and AAAA answers, as text"},
	{"dns.answer.name", DNSFieldStrings, "cnames", "names of the answer chain: the query name and every CNAME target, when the response answered"},
	{"dns.cname", DNSFieldStrings, "cnames", "CNAME targets in answer order"},
	{"dns.ttl", DNSFieldUint, "ttl", "smallest TTL of the answers, seconds"},
	{"dns.server", DNSFieldIP, "server", "resolver address"},
	{"dns.server.port", DNSFieldUint, "server", "resolver port"},
	{"dns.client", DNSFieldIP, "client", "address of the end that asked"},
	{"dns.client.port", DNSFieldUint, "client", "port of the end that asked"},
	{"dns.truncated", DNSFieldBool, "truncated", "the TC bit: the answer did not fit in UDP"},
	{"dns.from_sensor", DNSFieldBool, "from_sensor", "the syscall sensor saw the message, so proc.* name the asking process (the server when dns.server_side)"},
	{"dns.server_side", DNSFieldBool, "server_side", "the sensor saw a local DNS server send the message: proc.* name the server, not the process that asked"},
}
