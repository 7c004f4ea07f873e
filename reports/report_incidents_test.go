package reports

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestReportIncidentsView checks the incident section of the fixture's page as text: the
// story's steps with their times, the evidence link to the finding card, the indicators.
func TestReportIncidentsView(t *testing.T) {
	page := renderReport(t, minerDB(t), ReportOptions{})
	got := text(checkSafe(t, page))
	for _, want := range []string{"Incident 1", "1 finding rolled up into 1", "arrival", "curl (pid 101) fetched from 203.0.113.9:80/tcp",
		"<script>alert(1)</script>", "finding 1", "pool.supportxmr.com", minerSHA} {
		if !strings.Contains(got, want) {
			t.Errorf("incident view lacks %q", want)
		}
	}
	if !strings.Contains(string(page), `<a href="#f-0-1">finding 1</a>`) {
		t.Error("the connection step does not link to finding 1's card")
	}
}

// TestReportOlderDatabase renders a database of an earlier version, without roll-ups and
// incidents: every finding stands for itself and the page says there is no incident.
func TestReportOlderDatabase(t *testing.T) {
	path := minerDB(t)
	c, err := duckdb.NewConnector(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	for _, q := range []string{"DROP TABLE rollups", "DROP TABLE incidents", "DROP TABLE incident_steps", "DROP TABLE indicators",
		"ALTER TABLE findings DROP COLUMN rollup_id"} {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	c.Close()
	got := text(checkSafe(t, renderReport(t, path, ReportOptions{})))
	for _, want := range []string{"No incident", "xmrig connected to pool.supportxmr.com"} {
		if !strings.Contains(got, want) {
			t.Errorf("report of an older database lacks %q", want)
		}
	}
}
