package reports

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// The timeline is an inline SVG drawn on the server: one lane per priority with findings and one
// of process starts, each a histogram of timelineBins bins over the capture's span. Binning
// happens in the database, so the chart's size does not grow with the number of findings.

const (
	timelineBins  = 240
	timelineW     = 1000.0
	timelineLeft  = 170.0
	timelineRight = 990.0
	laneH         = 24.0
	laneGap       = 6.0
	axisH         = 22.0
)

// timelineView is the chart, in SVG user units.
type timelineView struct {
	Width, Height string
	Lanes         []lane
	Ticks         []tick
	AxisY, X0, X1 string
	Empty         bool
	Span, Day     string
}

// lane is one row of the chart.
type lane struct {
	Label, Class  string
	Total         int64
	Y, LabelY     string
	BaseY, Height string
	Bars          []bar
}

// bar is one bin of a lane.
type bar struct {
	X, Y, W, H string
	Title      string
}

// tick is one label of the time axis.
type tick struct {
	X, Label, Anchor string
}

// num formats a coordinate with one decimal.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// timeline loads the chart.
func (l *loader) timeline(ctx context.Context) error {
	var lo, hi sql.NullTime
	// The span is the captures' and the findings'; processes only when nothing else has times,
	// as a /proc snapshot holds processes started long before the capture.
	err := l.db.QueryRowContext(ctx, `SELECT coalesce(min(t), (SELECT min(start) FROM processes)),
  coalesce(max(t), (SELECT max(start) FROM processes)) FROM (
  SELECT start AS t FROM capture UNION ALL SELECT stop FROM capture
  UNION ALL SELECT min(time) FROM findings UNION ALL SELECT max(time) FROM findings)`).Scan(&lo, &hi)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	tv := &l.v.Timeline
	if !lo.Valid || !hi.Valid {
		tv.Empty = true
		return nil
	}
	start := lo.Time.UTC()
	span := hi.Time.Sub(start)
	if span <= 0 {
		span = time.Second
	}
	tv.Span = span.Round(time.Millisecond).String()
	type key struct {
		lane string
		bin  int
	}
	counts := map[key]int64{}
	totals := map[string]int64{}
	binSQL := fmt.Sprintf(`least(%d, greatest(0, floor((epoch_ns(%%s)::DOUBLE - $1::DOUBLE) / $2 * %d)))::BIGINT`, timelineBins-1, timelineBins)
	q := `SELECT coalesce(priority, ''), ` + fmt.Sprintf(binSQL, "time") + ` AS b, count(*) FROM findings WHERE time IS NOT NULL GROUP BY ALL
UNION ALL
SELECT NULL, ` + fmt.Sprintf(binSQL, "start") + ` AS b, count(*) FROM processes WHERE start >= $3 AND start <= $4 GROUP BY ALL`
	err = query(ctx, l.db, q, func(scan func(...any) error) error {
		var prio sql.NullString
		var b int
		var n int64
		if err := scan(&prio, &b, &n); err != nil {
			return err
		}
		name := "process starts"
		if prio.Valid {
			name = priorityName(prio.String)
		}
		counts[key{name, b}] += n
		totals[name] += n
		return nil
	}, start.UnixNano(), float64(span.Nanoseconds()), lo.Time, hi.Time)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	var names []string
	for n := range totals {
		if n != "process starts" {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := priorityRank(names[i]), priorityRank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	names = append(names, "process starts")
	binW := (timelineRight - timelineLeft) / timelineBins
	y := 4.0
	for _, name := range names {
		ln := lane{Label: name, Class: priorityClass(name), Total: totals[name], Y: num(y), LabelY: num(y + laneH/2 + 4),
			BaseY: num(y + laneH), Height: num(laneH)}
		if name == "process starts" {
			ln.Class = "p-proc"
		}
		var peak int64
		for k, n := range counts {
			if k.lane == name && n > peak {
				peak = n
			}
		}
		for b := range timelineBins {
			n := counts[key{name, b}]
			if n == 0 {
				continue
			}
			h := laneH * (0.2 + 0.8*math.Log1p(float64(n))/math.Log1p(float64(peak)))
			from := start.Add(time.Duration(float64(span) * float64(b) / timelineBins))
			to := start.Add(time.Duration(float64(span) * float64(b+1) / timelineBins))
			what := name + " findings"
			if name == "process starts" {
				what = name
			}
			ln.Bars = append(ln.Bars, bar{X: num(timelineLeft + float64(b)*binW), Y: num(y + laneH - h),
				W: num(math.Max(binW-0.4, 0.8)), H: num(h),
				Title: fmt.Sprintf("%d %s, %s – %s", n, what, from.Format("15:04:05.000"), to.Format("15:04:05.000"))})
		}
		tv.Lanes = append(tv.Lanes, ln)
		y += laneH + laneGap
	}
	tv.AxisY = num(y)
	tv.X0, tv.X1 = num(timelineLeft), num(timelineRight)
	for i := 0; i <= 5; i++ {
		t := start.Add(time.Duration(float64(span) * float64(i) / 5))
		tk := tick{X: num(timelineLeft + (timelineRight-timelineLeft)*float64(i)/5), Label: t.Format("15:04:05.000")}
		switch i {
		case 0:
			tk.Anchor = "tk-start"
		case 5:
			tk.Anchor = "tk-end"
		}
		tv.Ticks = append(tv.Ticks, tk)
	}
	tv.Day = start.Format("2006-01-02")
	tv.Width = num(timelineW)
	tv.Height = num(y + axisH)
	return nil
}
