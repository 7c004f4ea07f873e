package incident

import "slices"

// Phase is a part of an attack's story, in the order a responder writes them up.
type Phase uint8

// Phases, in story order.
const (
	PhaseArrival Phase = iota + 1
	PhaseDownload
	PhaseDrop
	PhaseExecution
	PhasePersistence
	PhasePrivilegeEscalation
	PhaseDefenseEvasion
	PhaseLateralMovement
	PhaseMining // command and control: DNS, connections, Stratum
	PhaseImpact
)

var phaseNames = [...]string{"", "arrival", "download", "drop", "execution", "persistence",
	"privilege escalation", "defense evasion", "lateral movement", "command and control / mining", "impact"}

// String returns the phase's name as the summary, the report and the store spell it.
func (p Phase) String() string {
	if int(p) < len(phaseNames) && p != 0 {
		return phaseNames[p]
	}
	return "unknown"
}

// rulePhases places saker's own rules (analyze/rules) in the story; TestRulePhases checks
// that every default rule is here.
var rulePhases = map[string]Phase{
	"Download Piped to Shell":                                PhaseDownload,
	"Downloader Wrote File in Temporary or Hidden Directory": PhaseDownload,

	"File Made Executable in Temporary or Hidden Directory": PhaseDrop,
	"Executable Written through io_uring":                   PhaseDrop,
	"Container Drift Executable Created":                    PhaseDrop,
	"Container Drift Chmod Executable":                      PhaseDrop,

	"Known Miner Binary Executed":                   PhaseExecution,
	"Stratum URI in Command Line":                   PhaseExecution,
	"Miner Command-Line Flags":                      PhaseExecution,
	"Fileless Execution from Memfd":                 PhaseExecution,
	"Execution from Temporary Directory":            PhaseExecution,
	"Script Run from Temporary or Hidden Directory": PhaseExecution,
	"Container Drift Upper Layer Executed":          PhaseExecution,
	"Github action with miners":                     PhaseExecution,
	"Workflow with miners pushed":                   PhaseExecution,

	"Cron Job Written by Non-Editor":                          PhasePersistence,
	"Crontab Installed from Standard Input or Temporary File": PhasePersistence,
	"SSH Authorized Keys Modified by Non-Editor":              PhasePersistence,
	"Systemd Unit Written by Non-Editor":                      PhasePersistence,
	"Init Script or rc.local Written by Non-Editor":           PhasePersistence,
	"Account or Sudoers File Written Directly":                PhasePersistence,
	"User Account Created":                                    PhasePersistence,

	"Setuid or Setgid Bit Set":                  PhasePrivilegeEscalation,
	"Privileged or Host-Root Container Created": PhasePrivilegeEscalation,
	"Nsenter into Init's Namespaces":            PhasePrivilegeEscalation,
	"Write through Another Process's Root":      PhasePrivilegeEscalation,

	"Competing Miner Killed": PhaseDefenseEvasion,
	// Syscalls made where most sensors do not look.
	"Network Connection through io_uring":      PhaseDefenseEvasion,
	"32-bit System Calls on a 64-bit Host":     PhaseDefenseEvasion,
	"Competing Miner Files Deleted":            PhaseDefenseEvasion,
	"Firewall Rule Drops Mining Pool Port":     PhaseDefenseEvasion,
	"Immutable Attribute Changed with chattr":  PhaseDefenseEvasion,
	"Security Agent Stopped or Removed":        PhaseDefenseEvasion,
	"Dynamic Linker Preload File Written":      PhaseDefenseEvasion,
	"Shell History Cleared":                    PhaseDefenseEvasion,
	"Log Files Deleted or Truncated":           PhaseDefenseEvasion,
	"Timestomping with touch":                  PhaseDefenseEvasion,
	"Process Masquerading as Kernel Thread":    PhaseDefenseEvasion,
	"System Daemon Name from Unusual Path":     PhaseDefenseEvasion,
	"CPU Limit or Priority Set to Hide Mining": PhaseDefenseEvasion,

	"Network Scanner Executed":                                 PhaseLateralMovement,
	"SSH Targets Harvested from Known Hosts or History":        PhaseLateralMovement,
	"SSH Command Spreading a Download":                         PhaseLateralMovement,
	"Outbound Connection to Docker API, Redis or Kubelet Port": PhaseLateralMovement,
	"Outbound SSH from Unexpected Process":                     PhaseLateralMovement,

	"Outbound Connection to Mining Pool": PhaseMining,
	"Outbound Connection to Mining Port": PhaseMining,
	"TLS Server Name of Mining Pool":     PhaseMining,
	"Mining Protocol in Socket Payload":  PhaseMining,
	"DNS Lookup of Mining Pool Domain":   PhaseMining,
	"Connection to Listed C2 Domain":     PhaseMining,

	"Huge Pages Raised":                PhaseImpact,
	"Huge Pages Released":              PhaseImpact,
	"Msr Kernel Module Loaded":         PhaseImpact,
	"Msr Kernel Module Load Attempted": PhaseImpact,
	"NMI Watchdog Disabled":            PhaseImpact,
}

// tagPhases places other rules by their MITRE ATT&CK tactic tags, the first one found in
// this order.
var tagPhases = []struct {
	tag   string
	phase Phase
}{
	{"mitre_persistence", PhasePersistence},
	{"mitre_privilege_escalation", PhasePrivilegeEscalation},
	{"mitre_defense_evasion", PhaseDefenseEvasion},
	{"mitre_lateral_movement", PhaseLateralMovement},
	{"mitre_discovery", PhaseLateralMovement},
	{"mitre_credential_access", PhaseLateralMovement},
	{"mitre_command_and_control", PhaseMining},
	{"mitre_impact", PhaseImpact},
	{"mitre_execution", PhaseExecution},
}

// PhaseOf returns the story phase of a finding of rule with tags: saker's rules have theirs,
// other rules go by their MITRE tactic tags, and anything else is execution.
func PhaseOf(rule string, tags []string) Phase {
	if p, ok := rulePhases[rule]; ok {
		return p
	}
	for _, tp := range tagPhases {
		if slices.Contains(tags, tp.tag) {
			return tp.phase
		}
	}
	return PhaseExecution
}
