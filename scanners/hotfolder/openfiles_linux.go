package hotfolder

import (
	"os"
	"path/filepath"
	"strings"
)

// openFiles returns the files under dir that some process on this machine
// holds open, read from /proc/*/fd. Processes of other users are visible
// only to root; writers on other machines (a network share) never are:
// there the stability window alone decides. Hand-written: no library
// exposes this.
func openFiles(dir string) map[string]bool {
	out := map[string]bool{}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	for _, p := range procs {
		pid := p.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		fds, err := os.ReadDir("/proc/" + pid + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			target, err := os.Readlink("/proc/" + pid + "/fd/" + fd.Name())
			if err == nil && strings.HasPrefix(target, prefix) {
				out[target] = true
			}
		}
	}
	return out
}

// OpenCheck reports whether the /proc check of writers works here.
const OpenCheck = true
