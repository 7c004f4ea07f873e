package rules

// RuleSet is the field-blind result of loading rules files: lists, macros and rules in
// definition order (a redefined item keeps its first position), with conditions expanded and
// parsed and macros resolved. Compile binds it to fields.
type RuleSet struct {
	Lists  []*List
	Macros []*Macro
	Rules  []*Rule

	lists  map[string]*List
	macros map[string]*Macro
	rules  map[string]*Rule
	seq    int      // definition counter for visibility
	files  []string // names of the loaded files, in order
}

// List is a named list of values, pasted into conditions as text.
type List struct {
	Name  string
	Items []string // as written, after appends
	Pos   Pos

	expanded   []string // items quoted, names of earlier lists expanded
	index, vis int
	used       bool
	tooBig     bool // expands beyond maxListItems or maxExpandedBytes; expanded is empty
}

// Macro is a named condition fragment, substituted into the trees that use it.
type Macro struct {
	Name string
	// Condition is the text as written, after appends.
	Condition string
	// AST is the parsed condition with lists expanded and macros resolved.
	AST Node
	Pos Pos

	cond       srcText
	parsed     Node
	index, vis int
	resolved   bool // AST is final
	used       bool
	size       int  // nodes of AST, pasted macros counted in full
	tooBig     bool // AST would exceed maxConditionNodes; AST is nil
}

// Rule is one rule of a RuleSet.
type Rule struct {
	Name     string
	Desc     string
	Output   string
	Priority Priority
	// Source is the event source the rule applies to, "syscall" unless the file says otherwise.
	Source  string
	Enabled bool
	Tags    []string
	// Condition is the rule's condition as written, after appends, with its exceptions
	// rendered as Falco does: (condition) and not (exception1) and not ...
	Condition string
	// Expanded is Condition with lists expanded: the text that was parsed.
	Expanded string
	// AST is the parsed condition with macros resolved.
	AST Node
	// Kinds is the set of event kinds the condition can match.
	Kinds               KindSet
	Exceptions          []Exception
	WarnEvttypes        bool
	SkipIfUnknownFilter bool
	Capture             bool
	CaptureDuration     int
	Pos                 Pos

	cond       srcText
	outputAt   func(int) Pos
	index, vis int
}

// Exception is one entry of a rule's exceptions.
type Exception struct {
	Name string
	// Fields are the fields compared; SingleField is set when the file gave one field rather
	// than a list, which makes each value one item of an `in` list.
	Fields      []string
	SingleField bool
	Comps       []string
	// Values are tuples, one element per field; each element is one text or a list of texts.
	Values [][]ExceptionValue
	Pos    Pos
}

// ExceptionValue is one element of an exception value tuple.
type ExceptionValue struct {
	Items []string
	List  bool
}

// Rule returns the rule named name, or nil.
func (rs *RuleSet) Rule(name string) *Rule { return rs.rules[name] }

// Macro returns the macro named name, or nil.
func (rs *RuleSet) Macro(name string) *Macro { return rs.macros[name] }

// List returns the list named name, or nil.
func (rs *RuleSet) List(name string) *List { return rs.lists[name] }

func newRuleSet() *RuleSet {
	return &RuleSet{lists: map[string]*List{}, macros: map[string]*Macro{}, rules: map[string]*Rule{}}
}
