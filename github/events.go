package github

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"saker/event"
)

// record is one GitHub event before it becomes an event.Event: the values of the github
// kind's parameters.
type record struct {
	ts                                    time.Time
	typ, action, user, repo, repoName     string
	org, owner, workflow, workflowName    string
	hasMiners, miners, minerLines, commit string
	runID                                 uint64
	runURL                                string
}

// event returns r as an event of kind event.KindGithub, its parameters in schema order.
func (r *record) event() event.Event {
	var e event.Event
	e.Kind = event.KindGithub
	if !r.ts.IsZero() {
		e.TS = uint64(r.ts.UnixNano())
	}
	e.SetArgs(
		event.Str(r.typ), event.Str(r.action), event.Str(r.user), event.Str(r.repo),
		event.Str(r.repoName), event.Str(r.org), event.Str(r.owner), event.Str(r.workflow),
		event.Str(r.workflowName), event.Str(r.hasMiners), event.Str(r.miners),
		event.Str(r.minerLines), event.Str(r.commit), event.Int(int64(r.runID)), event.Str(r.runURL),
	)
	return e
}

// setScan fills the miner parameters from a scan of the workflow file.
func (r *record) setScan(ms []Match) {
	r.hasMiners = "false"
	if len(ms) > 0 {
		r.hasMiners = "true"
	}
	r.miners, r.minerLines = Kinds(ms), Lines(ms)
}

// buildEvents turns deliveries into events, resolving and scanning their workflow files.
func buildEvents(ds []delivery, res *Resolver, warn func(error)) []event.Event {
	// workflow_job deliveries do not name their workflow file; a workflow_run delivery of
	// the same run does.
	runPaths := map[uint64]string{}
	for _, d := range ds {
		if run := d.body.WorkflowRun; run != nil && run.ID != 0 {
			if p := runPath(&d.body); p != "" {
				runPaths[run.ID] = p
			}
		}
	}
	var evs []event.Event
	for _, d := range ds {
		for _, r := range records(&d, res, runPaths, warn) {
			evs = append(evs, r.event())
		}
	}
	sortEvents(evs)
	return evs
}

// records returns the records of one delivery: one, or one per changed workflow file of a
// push.
func records(d *delivery, res *Resolver, runPaths map[uint64]string, warn func(error)) []record {
	p := &d.body
	base := record{
		ts:       d.delivered,
		typ:      d.typ,
		action:   p.Action,
		user:     p.Sender.Login,
		repo:     p.Repository.HTMLURL,
		repoName: p.Repository.FullName,
		org:      p.Organization.Login,
		owner:    p.Repository.Owner.Login,
	}
	if base.repo == "" && base.repoName != "" {
		base.repo = "https://github.com/" + base.repoName
	}
	if base.owner == "" {
		base.owner, _, _ = strings.Cut(base.repoName, "/")
	}
	scan := func(r *record, find func() (Resolved, error)) {
		got, err := find()
		if err != nil {
			warn(fmt.Errorf("%s: %w", d.origin, err))
			return
		}
		r.workflow = got.Path
		r.setScan(ScanWorkflow(got.Data))
	}
	switch {
	case p.WorkflowRun != nil:
		run := p.WorkflowRun
		r := base
		r.ts = firstTime(r.ts, run.UpdatedAt, run.CreatedAt)
		r.workflow, r.workflowName = runPath(p), run.Name
		r.commit, r.runID, r.runURL = run.HeadSHA, run.ID, run.HTMLURL
		if r.user == "" && run.Actor != nil {
			r.user = run.Actor.Login
		}
		if resolvable(r.workflow) {
			scan(&r, func() (Resolved, error) { return res.Workflow(r.repoName, r.commit, r.workflow) })
		}
		return []record{r}
	case p.WorkflowJob != nil:
		job := p.WorkflowJob
		r := base
		r.ts = firstTime(r.ts, job.StartedAt, job.CreatedAt)
		r.workflowName, r.commit, r.runID, r.runURL = job.WorkflowName, job.HeadSHA, job.RunID, job.HTMLURL
		if wf := runPaths[job.RunID]; wf != "" {
			r.workflow = wf
			if resolvable(wf) {
				scan(&r, func() (Resolved, error) { return res.Workflow(r.repoName, r.commit, wf) })
			}
		} else if r.workflowName != "" {
			scan(&r, func() (Resolved, error) { return res.ByName(r.repoName, r.commit, r.workflowName) })
		}
		return []record{r}
	case d.typ == "push":
		return pushRecords(base, d, res, scan)
	}
	return []record{base}
}

// pushRecords returns one record per workflow file a push added or modified, scanned as it is
// at the pushed head, or the bare record when the push changed no workflow.
func pushRecords(base record, d *delivery, res *Resolver, scan func(*record, func() (Resolved, error))) []record {
	p := &d.body
	base.commit = p.After
	if p.HeadCommit != nil {
		base.ts = firstTime(base.ts, p.HeadCommit.Timestamp)
		base.commit = cmp.Or(base.commit, p.HeadCommit.ID)
	}
	if base.user == "" && p.Pusher != nil {
		base.user = p.Pusher.Name
	}
	if strings.Trim(base.commit, "0") == "" { // a deleted branch
		return []record{base}
	}
	var rs []record
	seen := map[string]bool{}
	for _, c := range p.Commits {
		for _, f := range append(append([]string{}, c.Added...), c.Modified...) {
			if seen[f] || !strings.HasPrefix(f, workflowsDir+"/") || !isWorkflowFile(f) {
				continue
			}
			seen[f] = true
			r := base
			r.workflow = f
			scan(&r, func() (Resolved, error) { return res.Workflow(r.repoName, r.commit, f) })
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return []record{base}
	}
	return rs
}

// runPath returns the workflow file of a workflow_run payload, without the "@ref" suffix
// some payloads carry.
func runPath(p *payload) string {
	wf := p.WorkflowRun.Path
	if wf == "" && p.Workflow != nil {
		wf = p.Workflow.Path
	}
	wf, _, _ = strings.Cut(wf, "@")
	return wf
}

// resolvable reports whether a workflow path names a file of the repository: GitHub's
// dynamic workflows (Dependabot, CodeQL default setup) have no file.
func resolvable(wf string) bool {
	return wf != "" && !strings.HasPrefix(wf, "dynamic/")
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
