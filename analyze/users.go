package analyze

// userTable maps user and group ids to names, from userinfo and groupinfo snapshot records.
// Names are host names; processes in containers with their own /etc/passwd may show a host
// name for their uid, as Falco does without the container's user database.
type userTable struct {
	users  map[uint32][]byte
	homes  map[uint32][]byte
	groups map[uint32][]byte
}

var rootName = []byte("root")

func newUserTable() *userTable {
	return &userTable{users: map[uint32][]byte{}, homes: map[uint32][]byte{}, groups: map[uint32][]byte{}}
}

// user returns the name of uid; uid 0 is root even without a userinfo record.
func (t *userTable) user(uid uint32) ([]byte, bool) {
	if n, ok := t.users[uid]; ok {
		return n, true
	}
	if uid == 0 {
		return rootName, true
	}
	return nil, false
}

// group returns the name of gid; gid 0 is root even without a groupinfo record.
func (t *userTable) group(gid uint32) ([]byte, bool) {
	if n, ok := t.groups[gid]; ok {
		return n, true
	}
	if gid == 0 {
		return rootName, true
	}
	return nil, false
}
