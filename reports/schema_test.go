package reports

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestSchemaDocExamples runs every SQL example in docs/SCHEMA.md on the fixture database, so the
// documentation cannot drift from the schema.
func TestSchemaDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/SCHEMA.md")
	if err != nil {
		t.Fatal(err)
	}
	path := minerDB(t)
	blocks := strings.Split(string(doc), "```sql\n")[1:]
	if len(blocks) < 8 {
		t.Fatalf("%d SQL examples, want one per table at least", len(blocks))
	}
	for _, b := range blocks {
		b, _, _ = strings.Cut(b, "```")
		for _, q := range strings.Split(b, ";\n") {
			if strings.TrimSpace(q) == "" || strings.Contains(q, "read_parquet('fleet/") {
				continue
			}
			if _, err := Query(context.Background(), path, q); err != nil {
				t.Errorf("%s\n: %v", q, err)
			}
		}
	}
	for _, tbl := range Tables {
		if !strings.Contains(string(doc), "\n## "+tbl+"\n") {
			t.Errorf("docs/SCHEMA.md has no section for table %s", tbl)
		}
	}
}
