package reports

import "html/template"

// The types below are the report's view: what the template shows, already cut to size and
// prepared by show. Nothing in them is trusted markup except the page's own CSS and script.

// reportView is the whole page.
type reportView struct {
	Title     string
	Generated string
	Version   string
	CSP       string
	CSS       template.CSS
	JS        template.JS

	Multi    bool // the database holds several captures: show capture ids
	Captures []captureView

	Findings   int
	Incidents  []incidentView
	Priorities []priorityGroup
	Timeline   timelineView

	List     []findingRow
	ListMore int

	Network     []netRow
	NetworkMore int
	DNS         []dnsRow
	DNSMore     int
	NewExec     []newExecRow
	NewExecMore int
}

// captureView is one capture's summary and integrity.
type captureView struct {
	ID, Host                     shown
	Kernel, BootID, Source       shown
	SakerVersion, Status, Reason shown
	Start, Stop, Duration        string
	Events, Lost                 uint64
	Verified                     bool
	Signature                    shown // what became of the manifest's signature, "" when unsigned
	Problems                     []shown
	Files                        []fileIntegrity
	NotCaptured                  []shown
	ManifestError                string
	Manifest                     shown // manifest.json as recorded
	RulesLoaded, RulesEnabled    int
	Findings                     int
}

// fileIntegrity is one data file of a capture's manifest.
type fileIntegrity struct {
	Name, Kind, SHA256 shown
	Size               int64
	Complete           bool
	Status             string // "verified", "problem", "unverified"
	Problem            shown
}

// priorityGroup is the findings of one priority, by rule.
type priorityGroup struct {
	Name  string
	Class string
	Count int
	Rules []ruleGroup
}

// ruleGroup is one rule's findings with the rule itself.
type ruleGroup struct {
	Anchor      string
	Name        shown
	Priority    string
	Class       string
	Count       int
	First, Last string
	Desc        shown
	Condition   shown
	Output      shown
	Tags        []shown
	Known       bool // the rule is in the rules table
	Cards       []*findingCard
	More        int
}

// findingCard is one finding with its context.
type findingCard struct {
	Anchor    string
	ID        uint64
	Capture   shown
	Time      string
	Priority  string
	Class     string
	Output    shown
	Tags      []shown
	Tree      *procNode // root of the ancestry chain, nil when the process is unknown
	SameAs    string    // anchor of an earlier card of the same process, which shows its tree
	SameAsID  uint64
	PID       int64
	Container shown
	Conns     []connView
	ConnGuess bool // Conns are the process's connections, not one named by the finding
	ConnMore  int
	Files     []fileRow
	FilesMore int
	// Count is the findings rolled up into this one (itself included); Last the time of the
	// last of them when Count > 1; Attached the findings on the server's end of its connection.
	Count    int
	Last     string
	Attached int
}

// procNode is one process of an ancestry chain; the finding's own process has Self set and its
// children in Children.
type procNode struct {
	PID       int64
	User      shown
	UID       int64
	Exe       shown
	Cmdline   shown
	Start     string
	Container shown
	SHA256    string // of the executable, "" when the capture has none
	Self      bool
	Child     *procNode
	Children  []*procNode
	ChildMore int
	Cut       bool // ancestors above this one were not followed (depth or a loop)
}

// connView is one connection with the DNS answer that named its peer.
type connView struct {
	Proto       string
	Local       string
	Remote      shown
	Port        int64
	Names       []shown
	Pool        bool
	DNS         shown // query name and chain of the answer
	DNSTime     string
	DNSResolver shown
	First, Last string
	Sent, Recv  uint64
	Payload     shown
}

// fileRow is one file action of a process.
type fileRow struct {
	Time   string
	Action shown
	Path   shown
	Mode   string
}

// findingRow is one line of the flat findings list.
type findingRow struct {
	Anchor   string // the card's anchor, "" when the finding has no card
	ID       uint64
	Capture  shown
	Time     string
	Priority string
	Class    string
	Rule     shown
	PID      int64
	Output   shown
	Count    int // findings rolled up into this one, itself included
	Attached int // findings on the server's end of its connection
}

// incidentView is one incident: its story and indicators.
type incidentView struct {
	Anchor      string
	ID          uint64
	Capture     shown
	Priority    string
	Class       string
	First, Last string
	Findings    uint64
	Rollups     uint64
	Phases      []string
	Steps       []stepView
	StepsMore   int
	Indicators  []indicatorView
}

// stepView is one step of an incident's story, with links to the finding cards it stands on.
type stepView struct {
	N        uint64
	Time     string
	Phase    string
	PID      int64
	Text     shown
	Evidence []evidenceLink
}

// evidenceLink points at a finding card of the page.
type evidenceLink struct {
	Anchor string // "" when the finding has no card on the page
	ID     uint64
	Count  uint64
}

// indicatorView is one indicator of an incident.
type indicatorView struct {
	Type        string
	Value       shown
	First, Last string
}

// netRow is connections to one resolved name and port.
type netRow struct {
	Capture     shown
	Names       shown
	Port        int64
	Proto       string
	Remotes     shown
	Count       int64
	Procs       shown
	Sent, Recv  uint64
	First, Last string
	Pool        bool
}

// dnsRow is one process's queries for one name.
type dnsRow struct {
	Capture     shown
	PID         int64
	Exe         shown
	QName       shown
	QType       string
	RCode       string
	Answers     shown
	CNAMEs      shown
	Count       int64
	First, Last string
}

// newExecRow is a file written during the capture and executed afterwards.
type newExecRow struct {
	Capture  shown
	Path     shown
	Written  string
	Action   string
	Writer   shown
	WriterPI int64
	Executed string
	Execs    int64
	PID      int64
	Cmdline  shown
}
