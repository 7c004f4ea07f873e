package dns

// FieldType is the type of the values a dns.* rule field yields. It mirrors rules'
// FieldType without importing rules (dns stays below it); analyze maps one onto the other.
type FieldType uint8

// DNS field types.
const (
	FieldString  FieldType = iota + 1 // one string
	FieldStrings                      // several strings; a comparison matches when any does
	FieldUint                         // unsigned integer
	FieldBool                         // 0 or 1
	FieldIP                           // one IP address
)

// Field describes one rule field of `dns` events: its name, its type, the schema parameter
// of the dns kind it reads (see Event) and what it means.
type Field struct {
	Name  string
	Type  FieldType
	Param string
	Doc   string
}

// Fields lists the rule fields of `dns` events. Names and rcode/type values render as
// TypeName and RcodeName do, so a rule can say `dns.rcode = NXDOMAIN`.
var Fields = []Field{
	{"dns.id", FieldUint, "id", "transaction id"},
	{"dns.query.name", FieldString, "qname", "first question's name, no final dot, case as sent"},
	{"dns.query.type", FieldString, "qtype", "first question's type: A, AAAA, CNAME... or TYPEn"},
	{"dns.rcode", FieldString, "rcode", "response code: NOERROR, NXDOMAIN, SERVFAIL... or RCODEn"},
	{"dns.response", FieldBool, "response", "true for a response, false for a query"},
	{"dns.answer.ip", FieldStrings, "answers", "addresses of the A and AAAA answers, as text"},
	{"dns.answer.name", FieldStrings, "cnames", "names of the answer chain: the query name and every CNAME target, when the response answered"},
	{"dns.cname", FieldStrings, "cnames", "CNAME targets in answer order"},
	{"dns.ttl", FieldUint, "ttl", "smallest TTL of the answers, seconds"},
	{"dns.server", FieldIP, "server", "resolver address"},
	{"dns.server.port", FieldUint, "server", "resolver port"},
	{"dns.client", FieldIP, "client", "address of the end that asked"},
	{"dns.client.port", FieldUint, "client", "port of the end that asked"},
	{"dns.truncated", FieldBool, "truncated", "the TC bit: the answer did not fit in UDP"},
	{"dns.from_sensor", FieldBool, "from_sensor", "the syscall sensor saw the message, so proc.* name the asking process (the server when dns.server_side)"},
	{"dns.server_side", FieldBool, "server_side", "the sensor saw a local DNS server send the message: proc.* name the server, not the process that asked"},
}
