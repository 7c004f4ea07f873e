package rules

import (
	"fmt"
	"strings"
)

// Priority is a rule's severity. Lower values are more severe, as in Falco, so
// `p <= PriorityWarning` selects Warning and worse.
type Priority int8

// Priorities, most severe first.
const (
	PriorityEmergency Priority = iota
	PriorityAlert
	PriorityCritical
	PriorityError
	PriorityWarning
	PriorityNotice
	PriorityInformational
	PriorityDebug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// String returns the priority's name as Falco prints it in alerts ("Informational", not "Info").
func (p Priority) String() string {
	if p < 0 || int(p) >= len(priorityNames) {
		return fmt.Sprintf("Priority(%d)", int8(p))
	}
	return priorityNames[p]
}

// ParsePriority parses a priority name, case-insensitively; "info" means Informational.
func ParsePriority(s string) (Priority, error) {
	if strings.EqualFold(s, "info") {
		return PriorityInformational, nil
	}
	for i, n := range priorityNames {
		if strings.EqualFold(s, n) {
			return Priority(i), nil
		}
	}
	return 0, fmt.Errorf("unknown priority %q", s)
}
