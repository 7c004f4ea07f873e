package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"saker/reports"
)

// DuckDBVersion is known as soon as the bindings are linked: reading it opens no database.
func init() { DuckDBVersion = reports.DuckDBVersion() }

type queryOptions struct {
	db          string
	sql         string
	preset      string
	presetArg   string
	listPresets bool
	format      string
	allowFiles  bool
}

func newQueryCmd(s *streams) *cobra.Command {
	o := &queryOptions{}
	c := &cobra.Command{
		Use:   `query DB ["SQL" | --preset NAME [ARG]]`,
		Short: "Run SQL or a canned question against an analysis database",
		Long: `Run SQL or a canned question against an analysis database, opened read-only.
With --preset, the optional second argument is the preset's argument
(process-tree takes a pid or finding:ID). docs/SCHEMA.md describes the tables.`,
		Example: `  saker query cap1.duckdb "SELECT rule, count(*) FROM findings GROUP BY rule"
  saker query cap1.duckdb --preset pool-connections --format csv
  saker query cap1.duckdb --preset process-tree finding:3
  saker query cap1.duckdb --list-presets`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.db = args[0]
			if len(args) == 2 {
				if o.preset != "" {
					o.presetArg = args[1]
				} else {
					o.sql = args[1]
				}
			}
			return runQuery(s, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.preset, "preset", "", "run a canned question (see --list-presets)")
	f.BoolVar(&o.listPresets, "list-presets", false, "list the canned questions")
	f.StringVar(&o.format, "format", "table", "output format: table, csv, json or markdown")
	f.BoolVar(&o.allowFiles, "allow-files", false, "let the SQL read and write files (DuckDB's external access; off by default)")
	_ = c.RegisterFlagCompletionFunc("preset", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, p := range reports.Presets() {
			names = append(names, p.Name+"\t"+p.Desc)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "csv", "json", "markdown"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// runQuery prints the answer to o's SQL or preset. Bad flags exit 2; a bad statement exits 1
// with DuckDB's message.
func runQuery(s *streams, o *queryOptions) error {
	format, err := reports.ParseFormat(o.format)
	if err != nil {
		return usageErrorf("query: %v", err)
	}
	if o.listPresets {
		return presetList().Write(s.out, format)
	}
	var res *reports.Result
	switch {
	case o.preset != "":
		res, err = reports.RunPreset(context.Background(), o.db, o.preset, o.presetArg)
		if errors.Is(err, reports.ErrUnknownPreset) || errors.Is(err, reports.ErrPresetArg) {
			return usageErrorf("query: %v (see --list-presets)", err)
		}
	case o.sql == "":
		return usageErrorf("query: give SQL or --preset NAME")
	default:
		res, err = reports.QueryWith(context.Background(), o.db, reports.ReadOptions{AllowFiles: o.allowFiles}, o.sql)
	}
	if err != nil {
		// DuckDB's messages span lines (a caret under the error): keep the line breaks.
		return multilineError{fmt.Errorf("query %s: %w", o.db, err)}
	}
	if format == reports.FormatTable || format == reports.FormatMarkdown || isTerminal(s.out) {
		// Captured command lines, names and payloads hold escape sequences and bidi controls:
		// nothing read by a person gets them raw. CSV and JSON into a file or pipe stay exact.
		res = escapedResult(res)
	}
	return res.Write(s.out, format)
}

// presetList describes the presets as a Result, so --list-presets honours --format.
func presetList() *reports.Result {
	r := &reports.Result{Columns: []string{"name", "argument", "description"}}
	for _, p := range reports.Presets() {
		r.Rows = append(r.Rows, []any{p.Name, p.Arg, p.Desc})
	}
	return r
}

// escapedResult returns res with every string value escaped as safeText escapes terminal
// output.
func escapedResult(res *reports.Result) *reports.Result {
	out := &reports.Result{Types: res.Types, Rows: make([][]any, len(res.Rows))}
	for _, c := range res.Columns {
		out.Columns = append(out.Columns, safeText(c))
	}
	for i, row := range res.Rows {
		r := make([]any, len(row))
		for j, v := range row {
			r[j] = escapedValue(v)
		}
		out.Rows[i] = r
	}
	return out
}

// escapedValue escapes the strings of a scanned value, in lists and structs too.
func escapedValue(v any) any {
	switch v := v.(type) {
	case string:
		return safeText(v)
	case []byte:
		return safeText(string(v))
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = escapedValue(e)
		}
		return l
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[safeText(k)] = escapedValue(e)
		}
		return m
	}
	return v
}
