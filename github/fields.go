package github

import "saker/event"

// FieldType is the type of the values a github field yields.
type FieldType uint8

// Field types; package analyze maps them to the rules engine's types.
const (
	FieldString FieldType = iota + 1 // text; Field.Str
	FieldUint                        // unsigned integer; Field.Int
)

// Field binds a rule field of the github source to a parameter of the github event kind.
type Field struct {
	Name  string // the field as rules write it: github.workflow.has_miners
	Param string // the event.KindGithub parameter holding its value
	Type  FieldType
	Desc  string
	index int
}

// fields are Falco's GitHub plugin fields (same names and meanings) that saker fills, plus
// its own github.commit, github.run.* and github.workflow.name/miners.lines.
var fields = []Field{
	{Name: "github.type", Param: "type", Type: FieldString, Desc: "webhook event type (the X-GitHub-Event header): workflow_run, workflow_job, push..."},
	{Name: "github.action", Param: "action", Type: FieldString, Desc: "the payload's action, qualifying the type: requested, in_progress, completed..."},
	{Name: "github.user", Param: "user", Type: FieldString, Desc: "login of the user that triggered the event (sender.login)"},
	{Name: "github.repo", Param: "repo", Type: FieldString, Desc: "URL of the repository (repository.html_url), as in Falco's plugin"},
	{Name: "github.repo.url", Param: "repo", Type: FieldString, Desc: "URL of the repository (repository.html_url)"},
	{Name: "github.repo.name", Param: "repo_name", Type: FieldString, Desc: "owner/name of the repository (repository.full_name)"},
	{Name: "github.org", Param: "org", Type: FieldString, Desc: "organization the repository belongs to (organization.login)"},
	{Name: "github.owner", Param: "owner", Type: FieldString, Desc: "login of the repository's owner (repository.owner.login)"},
	{Name: "github.workflow.filename", Param: "workflow", Type: FieldString, Desc: "path of the workflow file in the repository, for workflow runs and jobs and for pushes that change a workflow"},
	{Name: "github.workflow.name", Param: "workflow_name", Type: FieldString, Desc: "name of the workflow, for workflow runs and jobs"},
	{Name: "github.workflow.has_miners", Param: "has_miners", Type: FieldString, Desc: "'true' when the workflow file at the event's commit runs a miner, 'false' when it was scanned and does not; missing when it could not be read"},
	{Name: "github.workflow.miners.type", Param: "miners", Type: FieldString, Desc: "the kinds of miner indicators found in the workflow file, sorted, comma-separated (xmrig,stratum)"},
	{Name: "github.workflow.miners.lines", Param: "miner_lines", Type: FieldString, Desc: "the lines of the workflow file holding miner indicators, comma-separated"},
	{Name: "github.commit", Param: "commit", Type: FieldString, Desc: "the commit the workflow ran at (head_sha), or a push's new head (after)"},
	{Name: "github.run.id", Param: "run_id", Type: FieldUint, Desc: "the workflow run's id (workflow_run.id, workflow_job.run_id)"},
	{Name: "github.run.url", Param: "run_url", Type: FieldString, Desc: "the run's (or job's) page on GitHub (html_url)"},
}

func init() {
	for i := range fields {
		fields[i].index = event.KindGithub.ParamIndex(fields[i].Param)
		if fields[i].index < 0 {
			panic("github: field " + fields[i].Name + ": no parameter " + fields[i].Param + " in the event schema")
		}
	}
}

// Fields returns every field of the github source. The slice must not be modified.
func Fields() []Field { return fields }

// LookupField returns the field named name and whether it exists.
func LookupField(name string) (Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Str returns a string field's value. It reports false (the value is missing) for an event
// that is not of kind event.KindGithub, lacks the parameter, or has it empty: the payload did
// not carry the value. The slice aliases the event's buffer.
func (f Field) Str(e *event.Event) ([]byte, bool) {
	if e.Kind != event.KindGithub || f.index < 0 || f.index >= int(e.NArgs) {
		return nil, false
	}
	b := e.Args[f.index].Bytes
	return b, len(b) > 0
}

// Int returns an integer field's value, missing (false) like Str, and when zero.
func (f Field) Int(e *event.Event) (int64, bool) {
	if e.Kind != event.KindGithub || f.index < 0 || f.index >= int(e.NArgs) {
		return 0, false
	}
	v := e.Args[f.index].Int
	return v, v != 0
}
