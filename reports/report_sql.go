package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"saker/rules"
)

// Helpers the report's queries share: byte-exact prefixes of long values, NULL-tolerant scans,
// priority ranks and IN lists of keys.

// rawPrefix returns SQL selecting, for a text column col with a col_raw companion, the first n
// bytes of its exact value and the value's length in bytes. Values are cut in the database so
// that a hostile megabyte command line costs the report n bytes, not a megabyte per row.
func rawPrefix(col string, n int) string {
	return rawPrefix0(fmt.Sprintf("coalesce(%s_raw, encode(%s))", col, col), n)
}

// rawPrefix0 is rawPrefix for any BLOB expression v.
func rawPrefix0(v string, n int) string {
	return fmt.Sprintf("%s[1:%d], octet_length(%s)", v, n+4, v)
}

// prefixed is a scanned prefix and total length.
type prefixed struct {
	b []byte
	n sql.NullInt64
}

// show prepares the value for the page, at most limit bytes of it.
func (c *prefixed) show(limit int) shown {
	return showPrefix(string(c.b), int(c.n.Int64), limit)
}

// dests returns the scan destinations of the prefix and the length.
func (c *prefixed) dests() []any { return []any{&c.b, &c.n} }

// fmtTime formats a time of the capture for tables, to the millisecond; "" for NULL.
func fmtTime(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return t.Time.UTC().Format("2006-01-02 15:04:05.000")
}

// fmtTimeNS formats a time to the nanosecond.
func fmtTimeNS(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return t.Time.UTC().Format("2006-01-02 15:04:05.000000000")
}

// fmtDuration formats a capture's length.
func fmtDuration(a, b sql.NullTime) string {
	if !a.Valid || !b.Valid {
		return ""
	}
	return b.Time.Sub(a.Time).Round(time.Millisecond).String()
}

// strList turns a scanned VARCHAR[] into strings.
func strList(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// showList prepares at most max elements of ss, each cut to limit bytes.
func showList(ss []string, limit, max int) []shown {
	var out []shown
	for i, s := range ss {
		if i == max {
			out = append(out, shown{Parts: []shownPart{{S: fmt.Sprintf("… (%d more)", len(ss)-max)}}})
			break
		}
		out = append(out, show(s, limit))
	}
	return out
}

// showJoined joins ss with ", " and prepares the result.
func showJoined(ss []string, limit int) shown { return show(strings.Join(ss, ", "), limit) }

// priorityNames are Falco's priorities, most severe first, as the page names them.
var priorityNames = []string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// priorityRank returns a priority's place in priorityNames, len(priorityNames) when unknown.
func priorityRank(p string) int {
	r, err := rules.ParsePriority(p)
	if err != nil || int(r) < 0 || int(r) >= len(priorityNames) {
		return len(priorityNames)
	}
	return int(r)
}

// priorityName returns a priority's canonical name, or the text shown for one saker does not know.
func priorityName(p string) string {
	if r := priorityRank(p); r < len(priorityNames) {
		return priorityNames[r]
	}
	return oneLine(p, 24)
}

// oneLine returns s shown in at most limit bytes as one string, escapes unmarked: for short values
// the page shows in attributes, titles and labels.
func oneLine(s string, limit int) string { return show(s, limit).String() }

// priorityClass returns the CSS class of a priority.
func priorityClass(p string) string {
	r := priorityRank(p)
	if r == len(priorityNames) {
		return "p-other"
	}
	return "p-" + strings.ToLower(priorityNames[r])
}

// rankSQL is a SQL expression ranking the priority column as priorityRank does.
var rankSQL = func() string {
	var b strings.Builder
	b.WriteString("CASE lower(priority)")
	for i, n := range priorityNames {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", strings.ToLower(n), i)
	}
	fmt.Fprintf(&b, " WHEN 'info' THEN %d ELSE %d END", priorityRank("info"), len(priorityNames))
	return b.String()
}()

// inList writes keys as a SQL list of numbers: "(1, 2, 3)". Keys are numbers, never text.
func inList(keys []uint64) string {
	if len(keys) == 0 {
		return "(NULL)"
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatUint(k, 10))
	}
	b.WriteByte(')')
	return b.String()
}

// query runs q and calls row for each row with a scan function.
func query(ctx context.Context, db *sql.DB, q string, row func(scan func(...any) error) error, args ...any) error {
	rs, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := row(rs.Scan); err != nil {
			return err
		}
	}
	return rs.Err()
}

// poolSQL is true for a connection (columns remote_port, names) that looks like a mining pool's.
const poolSQL = `(remote_port IN ` + miningPorts + ` OR regexp_matches(lower(array_to_string(names, ' ')), '` + poolNames + `'))`
