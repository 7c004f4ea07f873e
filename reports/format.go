package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// Format is an output format for a Result.
type Format string

// The output formats.
const (
	FormatTable    Format = "table"
	FormatCSV      Format = "csv"
	FormatJSON     Format = "json"
	FormatMarkdown Format = "markdown"
)

// ParseFormat returns the Format named s, or an error naming the known ones.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatTable, FormatCSV, FormatJSON, FormatMarkdown:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want table, csv, json or markdown)", s)
}

// MaxCellWidth is where table and markdown output cut a cell, marking the cut with "…".
const MaxCellWidth = 60

// Write writes r to w in format f. Table and markdown cells are cut at MaxCellWidth runes and
// control characters escaped; csv and json carry full values. BLOBs print as text with bytes that
// are not printable UTF-8 written \xHH; NULL prints as NULL (table, markdown), an empty field
// (csv) or null (json); times print in RFC 3339 with nanoseconds.
func (r *Result) Write(w io.Writer, f Format) error {
	switch f {
	case FormatTable:
		return r.writeTable(w)
	case FormatCSV:
		return r.writeCSV(w)
	case FormatJSON:
		return r.writeJSON(w)
	case FormatMarkdown:
		return r.writeMarkdown(w)
	}
	return fmt.Errorf("unknown format %q", f)
}

func (r *Result) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				io.WriteString(tw, "\t")
			}
			io.WriteString(tw, c)
		}
		io.WriteString(tw, "\n")
	}
	line(r.Columns)
	seps := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		seps[i] = strings.Repeat("-", max(3, utf8.RuneCountInString(c)))
	}
	line(seps)
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cut(escapeControls(cellText(v, "NULL")))
		}
		line(cells)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	noun := "rows"
	if len(r.Rows) == 1 {
		noun = "row"
	}
	_, err := fmt.Fprintf(w, "(%d %s)\n", len(r.Rows), noun)
	return err
}

func (r *Result) writeMarkdown(w io.Writer) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("|")
	for _, c := range r.Columns {
		b.WriteString(" " + esc(c) + " |")
	}
	b.WriteString("\n|")
	for range r.Columns {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, row := range r.Rows {
		b.WriteString("|")
		for _, v := range row {
			b.WriteString(" " + esc(cut(escapeControls(cellText(v, "NULL")))) + " |")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Result) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.Columns); err != nil {
		return err
	}
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cellText(v, "")
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON writes an array with one object per row, keys in column order.
func (r *Result) writeJSON(w io.Writer) error {
	var b strings.Builder
	b.WriteString("[")
	for i, row := range r.Rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(r.Columns[j])
			val, err := json.Marshal(jsonValue(v))
			if err != nil {
				return fmt.Errorf("row %d: column %s: %w", i, r.Columns[j], err)
			}
			b.Write(k)
			b.WriteString(": ")
			b.Write(val)
		}
		b.WriteString("}")
	}
	if len(r.Rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonValue turns a scanned value into one encoding/json renders readably.
func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return blobText(x)
	case string:
		return escapeText(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case *big.Int:
		return json.Number(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[cellText(k, "")] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	}
	return v
}

// cellText renders a scanned value as text, null for NULL.
func cellText(v any, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case string:
		return x
	case []byte:
		return blobText(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cellText(e, "NULL")
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[any]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, cellText(k, "NULL")+"="+cellText(e, "NULL"))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, k+": "+cellText(e, "NULL"))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// blobText shows b as text, writing bytes that are not printable UTF-8 as \xHH.
func blobText(b []byte) string {
	var s strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && n == 1) || (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f {
			fmt.Fprintf(&s, `\x%02x`, b[i])
		} else {
			s.Write(b[i : i+n])
		}
		i += n
	}
	return s.String()
}

// escapeControls writes control characters as Go escapes so a cell stays on one line.
func escapeControls(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// cut shortens s to MaxCellWidth runes.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= MaxCellWidth {
		return s
	}
	r := []rune(s)
	return string(r[:MaxCellWidth-1]) + "…"
}
