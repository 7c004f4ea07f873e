package github

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// ErrBadDelivery is wrapped by errors about a delivery that is not a GitHub webhook payload.
var ErrBadDelivery = errors.New("bad webhook delivery")

// delivery is one GitHub webhook delivery: the event type (the X-GitHub-Event header) and
// the parts of its payload saker uses.
type delivery struct {
	typ string // workflow_run, workflow_job, push, ping...
	// origin names where the delivery was read, as "file" or "file:line" for JSON lines.
	origin string
	body   payload
	// delivered is when GitHub sent the delivery, when the input says so.
	delivered time.Time
}

// payload holds the webhook payload fields saker reads; GitHub's documentation of webhook
// events and payloads names them.
type payload struct {
	Action       string       `json:"action"`
	Sender       account      `json:"sender"`
	Repository   repository   `json:"repository"`
	Organization account      `json:"organization"`
	WorkflowRun  *workflowRun `json:"workflow_run"`
	WorkflowJob  *workflowJob `json:"workflow_job"`
	Workflow     *workflow    `json:"workflow"`
	// Push events.
	Ref        string      `json:"ref"`
	After      string      `json:"after"`
	Commits    []commit    `json:"commits"`
	HeadCommit *commit     `json:"head_commit"`
	Pusher     *pushPerson `json:"pusher"`
	// Ping events.
	Zen  string          `json:"zen"`
	Hook json.RawMessage `json:"hook"`
}

type account struct {
	Login string `json:"login"`
}

type repository struct {
	FullName string  `json:"full_name"`
	Name     string  `json:"name"`
	HTMLURL  string  `json:"html_url"`
	Owner    account `json:"owner"`
}

type workflowRun struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	HeadSHA   string    `json:"head_sha"`
	HTMLURL   string    `json:"html_url"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Actor     *account  `json:"actor"`
}

type workflowJob struct {
	ID           uint64    `json:"id"`
	RunID        uint64    `json:"run_id"`
	WorkflowName string    `json:"workflow_name"`
	HeadSHA      string    `json:"head_sha"`
	HTMLURL      string    `json:"html_url"`
	CreatedAt    time.Time `json:"created_at"`
	StartedAt    time.Time `json:"started_at"`
}

type workflow struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

type commit struct {
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	Added     []string  `json:"added"`
	Modified  []string  `json:"modified"`
}

type pushPerson struct {
	Name string `json:"name"`
}

// envelope is a delivery as GitHub's "recent deliveries" API returns it
// (GET /repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery_id}), or as Falco's GitHub plugin
// tags a payload (webhook_type), or a bare payload.
type envelope struct {
	Event       string          `json:"event"`
	WebhookType string          `json:"webhook_type"`
	DeliveredAt time.Time       `json:"delivered_at"`
	Request     *request        `json:"request"`
	Body        json.RawMessage `json:"payload"`
}

type request struct {
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"payload"`
}

// parseDelivery decodes one JSON value: a bare webhook payload, a payload tagged with
// "webhook_type", or a delivery record of GitHub's deliveries API ({"event", "delivered_at",
// "request": {"headers", "payload"}}). hint is the event type to assume when the JSON does
// not say (from the file name; may be empty), and origin names the input in errors. When
// neither says, the type is inferred from the payload's keys. Errors wrap ErrBadDelivery.
func parseDelivery(data []byte, hint, origin string) (delivery, error) {
	d := delivery{origin: origin}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return d, fmt.Errorf("%s: %w: %w", origin, ErrBadDelivery, err)
	}
	body := data
	d.typ = env.WebhookType
	switch {
	case env.Request != nil && len(env.Request.Body) > 0:
		body = env.Request.Body
		d.typ = firstNonEmpty(header(env.Request.Headers, "X-GitHub-Event"), env.Event, d.typ)
	case len(env.Body) > 0 && env.Body[0] == '{' && (env.Event != "" || env.DeliveredAt != time.Time{}):
		body = env.Body
		d.typ = firstNonEmpty(env.Event, d.typ)
	}
	d.delivered = env.DeliveredAt
	if err := json.Unmarshal(body, &d.body); err != nil {
		return d, fmt.Errorf("%s: %w: payload: %w", origin, ErrBadDelivery, err)
	}
	d.typ = firstNonEmpty(d.typ, hint, inferType(&d.body))
	if d.typ == "" {
		return d, fmt.Errorf("%s: %w: cannot tell the event type", origin, ErrBadDelivery)
	}
	return d, nil
}

// inferType guesses a payload's event type from the keys only that type has.
func inferType(p *payload) string {
	switch {
	case p.WorkflowJob != nil:
		return "workflow_job"
	case p.WorkflowRun != nil:
		return "workflow_run"
	case p.Ref != "" && p.After != "" && (p.Commits != nil || p.Pusher != nil):
		return "push"
	case p.Zen != "" && len(p.Hook) > 0:
		return "ping"
	}
	return ""
}

// knownTypes are the webhook event types a file name may start with to name its deliveries'
// type, as in "workflow_run.json" or "push-2024-05-01.jsonl".
var knownTypes = []string{
	"workflow_run", "workflow_job", "workflow_dispatch", "check_run", "check_suite", "push",
	"pull_request_target", "pull_request", "ping", "repository", "member", "deploy_key",
	"release", "create", "delete", "fork", "star", "public", "meta",
}

// typeHint returns the event type a delivery file's name announces, or "".
func typeHint(path string) string {
	base := strings.ToLower(filepath.Base(path))
	for _, t := range knownTypes {
		if rest, ok := strings.CutPrefix(base, t); ok && rest != "" && strings.ContainsRune(".-_", rune(rest[0])) {
			if t == "pull_request" && strings.HasPrefix(rest, "_target") {
				continue
			}
			return t
		}
	}
	return ""
}

func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// splitValues splits a delivery file into its JSON values: one value, a JSON array of values,
// or one value per line (JSON lines). Each value comes with the 1-based line it starts on (0
// inside an array). A value that does not parse is skipped up to the end of its line, so one
// damaged line of a JSON lines file loses only itself; the errors are returned joined.
func splitValues(data []byte) ([]json.RawMessage, []int, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			return nil, nil, err
		}
		return arr, make([]int, len(arr)), nil
	}
	var vals []json.RawMessage
	var lines []int
	var errs []error
	var base int64 // offset in data of the decoder's input
	var lc lineCounter
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		// The next value starts after the whitespace that follows the previous one.
		start := base + dec.InputOffset()
		start += int64(len(data[start:]) - len(bytes.TrimLeft(data[start:], " \t\r\n")))
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return vals, lines, errors.Join(errs...)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", lc.lineAt(data, start), err))
			nl := bytes.IndexByte(data[start:], '\n')
			if nl < 0 {
				return vals, lines, errors.Join(errs...)
			}
			base = start + int64(nl) + 1
			dec = json.NewDecoder(bytes.NewReader(data[base:]))
			continue
		}
		vals = append(vals, v)
		lines = append(lines, lc.lineAt(data, start))
	}
}

// lineCounter finds the lines of increasing offsets in one text, counting newlines only
// from the previous offset so that a whole file costs one pass.
type lineCounter struct {
	off   int64 // newlines before off are counted
	lines int   // newlines in data[:off]
}

// lineAt returns the 1-based line of byte offset off in data. Offsets are expected in
// increasing order; an earlier one is counted from the start.
func (c *lineCounter) lineAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	if off < c.off {
		c.off, c.lines = 0, 0
	}
	c.lines += bytes.Count(data[c.off:off], []byte{'\n'})
	c.off = off
	return c.lines + 1
}
