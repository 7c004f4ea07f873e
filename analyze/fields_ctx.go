package analyze

import (
	"saker/event"
	"saker/rules"
)

var hostBytes = []byte(hostID)

// container returns the container of the event's process; host processes and unknown
// containers give nil.
func (s *State) container() *Container {
	if s.proc == nil || s.proc.ContainerID == hostID {
		return nil
	}
	return s.containers[s.proc.ContainerID]
}

// labelField returns the field whose argument is a label key, its value taken from the
// label list list returns; no value when the container lacks the label.
func labelField(list func(c *Container) []byte) func(s *State, arg string) (rules.Extractor, error) {
	return func(s *State, key string) (rules.Extractor, error) {
		return strField(func(*event.Event) ([]byte, bool) {
			c := s.container()
			if c == nil {
				return nil, false
			}
			return nonEmpty(labelValue(list(c), key))
		}), nil
	}
}

func ctrStr(name string, get func(c *Container) ([]byte, bool)) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			c := s.container()
			if c == nil {
				return nil, false
			}
			return get(c)
		})
	})
}

func nonEmpty(b []byte) ([]byte, bool) { return b, len(b) > 0 }

func init() {
	fields["user.uid"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldUint, func(*event.Event) (int64, bool) {
			if s.proc == nil || s.proc.EUID == unsetID {
				return 0, false
			}
			return int64(s.proc.EUID), true
		})
	})
	fields["user.name"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc == nil || s.proc.EUID == unsetID {
				return nil, false
			}
			return s.users.user(s.proc.EUID)
		})
	})
	fields["user.homedir"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc == nil || s.proc.EUID == unsetID {
				return nil, false
			}
			h, ok := s.users.homes[s.proc.EUID]
			return h, ok
		})
	})
	fields["user.loginuid"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldInt, func(*event.Event) (int64, bool) {
			if s.proc == nil {
				return 0, false
			}
			// Falco shows the unset login uid (4294967295) as -1.
			return int64(int32(s.proc.LoginUID)), true
		})
	})
	fields["user.loginname"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc == nil || s.proc.LoginUID == unsetID {
				return nil, false
			}
			return s.users.user(s.proc.LoginUID)
		})
	})
	fields["group.gid"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldUint, func(*event.Event) (int64, bool) {
			if s.proc == nil || s.proc.EGID == unsetID {
				return 0, false
			}
			return int64(s.proc.EGID), true
		})
	})
	fields["group.name"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc == nil || s.proc.EGID == unsetID {
				return nil, false
			}
			return s.users.group(s.proc.EGID)
		})
	})

	fields["container.id"] = noArg(func(s *State) rules.Extractor {
		var buf []byte
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc == nil {
				return nil, false
			}
			if s.proc.ContainerID == hostID {
				return hostBytes, true
			}
			buf = append(buf[:0], s.proc.ContainerID...)
			return buf, true
		})
	})
	fields["container.name"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc != nil && s.proc.ContainerID == hostID {
				return hostBytes, true
			}
			if c := s.container(); c != nil {
				return c.Name, true
			}
			return nil, false
		})
	})
	ctrStr("container.image", func(c *Container) ([]byte, bool) { return nonEmpty(c.Image) })
	ctrStr("container.image.repository", func(c *Container) ([]byte, bool) { return nonEmpty(c.Repository) })
	ctrStr("container.image.tag", func(c *Container) ([]byte, bool) { return nonEmpty(c.Tag) })
	ctrStr("container.mounts", func(c *Container) ([]byte, bool) { return c.mountsText, true })
	ctrStr("container.type", func(c *Container) ([]byte, bool) { return nonEmpty(c.Runtime) })
	ctrStr("k8s.pod.name", func(c *Container) ([]byte, bool) { return nonEmpty(c.PodName) })
	ctrStr("k8s.ns.name", func(c *Container) ([]byte, bool) { return nonEmpty(c.Namespace) })
	ctrStr("k8s.pod.uid", func(c *Container) ([]byte, bool) { return nonEmpty(c.PodUID) })
	ctrStr("k8s.pod.labels", func(c *Container) ([]byte, bool) { return nonEmpty(c.podLabelsText) })
	ctrStr("container.image.digest", func(c *Container) ([]byte, bool) { return nonEmpty(c.Digest) })
	// k8s.pod.label[KEY] and container.label[KEY] are the value of one label.
	fields["k8s.pod.label"] = labelField(func(c *Container) []byte { return c.PodLabels })
	fields["container.label"] = labelField(func(c *Container) []byte { return c.Labels })
	fields["container.privileged"] = noArg(func(s *State) rules.Extractor {
		return boolField(func(*event.Event) (bool, bool) {
			c := s.container()
			if c == nil {
				return false, false
			}
			return c.Privileged, true
		})
	})
	fields["container.start_ts"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldTime, func(*event.Event) (int64, bool) {
			c := s.container()
			if c == nil || c.StartTS == 0 {
				return 0, false
			}
			return int64(c.StartTS), true
		})
	})
	// container.mount.dest[SRC] is the destination of the mount whose source matches the
	// glob SRC; "<NA>" when the container has none, which is what Falco's rules test for.
	na := []byte("<NA>")
	fields["container.mount.dest"] = func(s *State, arg string) (rules.Extractor, error) {
		pat := []byte(arg)
		return strField(func(*event.Event) ([]byte, bool) {
			c := s.container()
			if c == nil {
				return nil, false
			}
			if d, ok := c.mountDest(pat); ok {
				return d, true
			}
			return na, true
		}), nil
	}
}
