package reports

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestPresets(t *testing.T) {
	path := minerDB(t)
	tests := []struct {
		name, arg string
		col       string
		want      []string // the column's values, in order
	}{
		{"timeline", "", "what", []string{"exec", "connect", "exec", "file create", "file write", "file write", "exec", "dns", "connect", "finding"}},
		{"process-tree", "102", "pid", []string{"1", "100", "102"}},
		{"process-tree", "finding:1", "relation", []string{"ancestor", "ancestor", "self"}},
		{"process-tree", "100", "pid", []string{"1", "100", "101", "102"}},
		{"pool-connections", "", "dns_qnames", []string{"[pool.supportxmr.com]"}},
		{"new-executables", "", "path", []string{"/tmp/.x/xmrig"}},
		{"dns-by-process", "", "exe", []string{"/tmp/.x/xmrig"}},
		{"top-talkers", "", "pid", []string{"101", "102"}},
		{"persistence", "", "path", []string{"/etc/cron.d/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.arg, func(t *testing.T) {
			r, err := RunPreset(context.Background(), path, tt.name, tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			col := -1
			for i, c := range r.Columns {
				if c == tt.col {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("no column %s in %v", tt.col, r.Columns)
			}
			var got []string
			for _, row := range r.Rows {
				got = append(got, cellText(row[col], "NULL"))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s = %q, want %q", tt.col, got, tt.want)
			}
		})
	}
	for _, p := range Presets() {
		if p.SQL == "" || p.Desc == "" {
			t.Errorf("preset %s lacks SQL or description", p.Name)
		}
	}
}

func TestPresetErrors(t *testing.T) {
	path := minerDB(t)
	for _, tc := range []struct {
		name, arg string
		want      error
	}{
		{"nope", "", ErrUnknownPreset},
		{"process-tree", "", ErrPresetArg},
		{"process-tree", "finding:x", ErrPresetArg},
		{"timeline", "7", ErrPresetArg},
	} {
		if _, err := RunPreset(context.Background(), path, tc.name, tc.arg); !errors.Is(err, tc.want) {
			t.Errorf("RunPreset(%s, %q) = %v, want %v", tc.name, tc.arg, err, tc.want)
		}
	}
}
