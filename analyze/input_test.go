package analyze

import (
	"fmt"
	"strings"
	"testing"

	"saker/replay/scap"
)

func TestScapStatsWarnings(t *testing.T) {
	st := replayScapStats(25, 3)
	w := ScapStatsWarnings(st)
	got := strings.Join(w, "\n")
	if len(w) != 1+scapMaxProblemWarnings+1+1 || !strings.Contains(got, "25 damaged") ||
		!strings.Contains(got, "damaged: offset 0: bad") || !strings.Contains(got, "damaged: 15 more") ||
		!strings.Contains(got, "3 exit records") {
		t.Fatalf("warnings:\n%s", got)
	}
	if w := ScapStatsWarnings(replayScapStats(0, 0)); len(w) != 0 {
		t.Fatalf("warnings for a clean capture: %q", w)
	}
}

func replayScapStats(corrupt, unpaired uint64) scap.Stats {
	st := scap.Stats{Corrupt: corrupt, Unpaired: unpaired}
	for i := uint64(0); i < min(corrupt, 16); i++ {
		st.Problems = append(st.Problems, fmt.Sprintf("offset %d: bad", i*8))
	}
	return st
}
