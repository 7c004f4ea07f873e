package scap

import (
	"encoding/json"
	"sort"
	"strconv"

	"saker/event"
)

// scapContainerJSON is the part of libsinsp's container JSON (container events 272 and 324)
// that saker keeps.
type scapContainerJSON struct {
	Container struct {
		ID          string            `json:"id"`
		Name        string            `json:"name"`
		Image       string            `json:"image"`
		ImageDigest string            `json:"imagedigest"`
		PodLabels   map[string]string `json:"pod_sandbox_labels"`
		Type        int               `json:"type"`
		Privileged  bool              `json:"privileged"`
		Labels      map[string]string `json:"labels"`
		CreatedTime int64             `json:"created_time"`
		Mounts      []struct {
			Source      string `json:"Source"`
			Destination string `json:"Destination"`
		} `json:"Mounts"`
	} `json:"container"`
}

// scapContainerRuntimes names libsinsp's container types.
var scapContainerRuntimes = map[int]string{
	0: "docker", 1: "lxc", 2: "libvirt-lxc", 3: "mesos", 4: "rkt", 5: "custom", 6: "cri",
	7: "containerd", 8: "cri-o", 9: "bpm", 10: "static", 11: "podman",
}

// spreadScapContainer replaces the JSON the table put in e's id parameter by the container's
// fields. It reports false when the JSON does not parse; the event is then skipped.
func spreadScapContainer(e *event.Event) bool {
	k := event.KindContainerinfo
	id := k.ParamIndex("id")
	var c scapContainerJSON
	if err := json.Unmarshal(e.Args[id].Bytes, &c); err != nil {
		return false
	}
	ct := &c.Container
	set := func(name string, b []byte) {
		i := k.ParamIndex(name)
		e.Args[i].Bytes = append(e.Args[i].Bytes[:0], b...)
	}
	set("id", []byte(ct.ID))
	set("name", []byte(ct.Name))
	set("image", []byte(ct.Image))
	runtime, ok := scapContainerRuntimes[ct.Type]
	if !ok {
		runtime = strconv.Itoa(ct.Type)
	}
	set("runtime", []byte(runtime))
	list := labelList(ct.Labels)
	set("labels", list)
	set("image_digest", []byte(ct.ImageDigest))
	set("pod_labels", labelList(ct.PodLabels))
	list = nil
	for _, m := range ct.Mounts {
		list = event.AppendListItem(list, m.Source+":"+m.Destination)
	}
	set("mounts", list)
	if ct.Privileged {
		e.Args[k.ParamIndex("privileged")].Int = 1
	}
	if ct.CreatedTime > 0 {
		e.Args[k.ParamIndex("start_ts")].Int = ct.CreatedTime * 1e9
	}
	return true
}

// labelList returns labels as sorted "key=value" list items.
func labelList(labels map[string]string) []byte {
	keys := make([]string, 0, len(labels))
	for key := range labels {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var list []byte
	for _, key := range keys {
		list = event.AppendListItem(list, key+"="+labels[key])
	}
	return list
}
