package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestResultWrite(t *testing.T) {
	r := &Result{
		Columns: []string{"n", "s", "b", "t", "l"},
		Rows: [][]any{
			{int64(1), "a|b", []byte("x\x00\xff"), time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), []any{"p", "q"}},
			{nil, strings.Repeat("long", 40), nil, nil, []any{}},
		},
	}
	want := map[Format]string{
		FormatTable: `n     s                                                             b          t                               l
---   ---                                                           ---        ---                             ---
1     a|b                                                           x\x00\xff  2026-01-02T03:04:05.000000006Z  [p, q]
NULL  longlonglonglonglonglonglonglonglonglonglonglonglonglonglon…  NULL       NULL                            []
(2 rows)
`,
		FormatMarkdown: "| n | s | b | t | l |\n| --- | --- | --- | --- | --- |\n" +
			`| 1 | a\|b | x\x00\xff | 2026-01-02T03:04:05.000000006Z | [p, q] |` + "\n" +
			"| NULL | " + strings.Repeat("long", 15)[:59] + "… | NULL | NULL | [] |\n",
	}
	for f, w := range want {
		var b bytes.Buffer
		if err := r.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		if b.String() != w {
			t.Errorf("%s:\n%s\nwant:\n%s", f, b.String(), w)
		}
	}

	var b bytes.Buffer
	if err := r.Write(&b, FormatCSV); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[2][1] != strings.Repeat("long", 40) || recs[2][0] != "" || recs[1][1] != "a|b" {
		t.Errorf("csv = %q", recs)
	}

	b.Reset()
	if err := r.Write(&b, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(b.Bytes(), &objs); err != nil {
		t.Fatalf("json: %v\n%s", err, b.String())
	}
	if len(objs) != 2 || objs[0]["n"] != 1.0 || objs[0]["b"] != `x\x00\xff` || objs[1]["n"] != nil ||
		objs[0]["t"] != "2026-01-02T03:04:05.000000006Z" {
		t.Errorf("json = %v", objs)
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

func TestQueryBadSQL(t *testing.T) {
	_, err := Query(context.Background(), minerDB(t), "SELEKT 1")
	if err == nil || !strings.Contains(err.Error(), "Parser Error") {
		t.Fatalf("bad SQL: %v, want DuckDB's parser error", err)
	}
	_, err = Query(context.Background(), minerDB(t), "DELETE FROM findings")
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("write on a read-only database: %v", err)
	}
}

func TestQueryValueTypes(t *testing.T) {
	r, err := Query(context.Background(), minerDB(t), `SELECT 1.50::DECIMAL(4,2) AS d,
		'0a1b2c3d-0000-4000-8000-00000000000f'::UUID AS u, INTERVAL 3 DAY + INTERVAL 90 SECOND AS i,
		MAP {'k': 'v'} AS m, 12345678901234567890123::HUGEINT AS h`)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Write(&b, FormatJSON); err != nil {
		t.Fatal(err)
	}
	want := `[
  {"d": 1.5, "u": "0a1b2c3d-0000-4000-8000-00000000000f", "i": "3 days 1m30s", "m": {"k":"v"}, "h": 12345678901234567890123}
]
`
	if b.String() != want {
		t.Errorf("json:\n%s\nwant:\n%s", b.String(), want)
	}
}
